//! The provider pattern table: which credential formats mcpward recognises.
//!
//! Shapes follow the public rule sets of gitleaks, trufflehog and ripsecrets, tightened where a
//! provider documents a fixed length. Every pattern names at least one literal that the secret
//! always contains; the detector searches for all literals in one pass (a few small
//! Aho-Corasick automata whose hits are merged) and only runs a pattern's regex in a small
//! window around a literal hit, so adding a pattern costs almost nothing on text that does not
//! contain its literal. Formats without a distinctive literal (AWS secret keys, Vercel and
//! Cloudflare tokens, Twilio auth tokens) are named from the key they are stored under
//! ([`KEYED_KINDS`]) when the generic entropy check fires.
//!
//! Conventions for a row:
//! - `regex` starts at the literal unless `lookbehind` says how many bytes before the literal
//!   the secret may start (Telegram, Azure AD client secrets, Terraform tokens).
//! - A capture group named `secret` narrows the reported range to the secret part (the password
//!   of a database URL, not the host), so masks keep the harmless context readable.
//! - A literal that begins with an ASCII letter or digit must not be preceded by one: `ghp_`
//!   inside a longer base64 blob is not a token.
//! - The match must not be followed by `[A-Za-z0-9_]`: a 37-character `ghp_` body is not a PAT.
//! - Long bodies are written open-ended (`{40,}`): the window (`max_len`) bounds them, and a
//!   counted repetition in the thousands would compile into a needlessly large program.

/// Where a credential is broader than the job usually needs, what to use instead.
pub(crate) const NARROWER_GITHUB_CLASSIC: &str = "a fine-grained personal access token (github_pat_…) limited to the repositories and permissions the server needs";
pub(crate) const NARROWER_STRIPE_SECRET: &str =
    "a restricted key (rk_live_…) with only the resources the server needs";
pub(crate) const NARROWER_SLACK_USER: &str = "a bot token (xoxb-…) with only the scopes needed";
pub(crate) const NARROWER_AWS_LONG_LIVED: &str =
    "short-lived credentials (IAM role / SSO / STS, ASIA… keys)";
const NARROWER_SUPABASE_SERVICE_ROLE: &str =
    "the anon key with row-level security, or a scoped database role";
const NARROWER_GITLAB_PAT: &str = "a project or group access token limited to the needed scopes";

/// Default size of the window after a literal hit in which the regex may match.
const DEFAULT_MAX_LEN: usize = 512;

/// One provider pattern.
#[derive(Debug)]
pub(crate) struct Pattern {
    /// Stable id reported as [`crate::SecretMatch::kind`].
    pub id: &'static str,
    pub provider: &'static str,
    /// Literals of which at least one occurs in every match (case-sensitive).
    pub prefixes: &'static [&'static str],
    pub regex: &'static str,
    pub narrower: Option<&'static str>,
    /// How many bytes before the literal the match may start.
    pub lookbehind: usize,
    /// Upper bound on the match length, which bounds the regex window.
    pub max_len: usize,
    /// A cheap byte-level test run before the regex, for literals that are common in text
    /// which is not a secret (`https://` is everywhere; `https://user:pass@` is rare).
    pub precheck: Precheck,
}

/// Byte-level tests that rule out most literal hits before a regex runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precheck {
    None,
    /// The URL whose `://` is at the hit has an `@` in its authority (`scheme://user:pass@host`).
    UrlUserinfo,
}

impl Precheck {
    pub(crate) fn passes(self, text: &[u8], at: usize) -> bool {
        match self {
            Precheck::None => true,
            Precheck::UrlUserinfo => text
                .iter()
                .skip(at + 3)
                .take(400)
                .find(|&&b| {
                    b == b'@'
                        || b.is_ascii_whitespace()
                        || matches!(b, b'/' | b'"' | b'\'' | b'<' | b'>' | b'?' | b'#')
                })
                .is_some_and(|&b| b == b'@'),
        }
    }
}

const fn p(
    id: &'static str,
    provider: &'static str,
    prefixes: &'static [&'static str],
    regex: &'static str,
) -> Pattern {
    Pattern {
        id,
        provider,
        prefixes,
        regex,
        narrower: None,
        lookbehind: 0,
        max_len: DEFAULT_MAX_LEN,
        precheck: Precheck::None,
    }
}

impl Pattern {
    const fn narrower(mut self, text: &'static str) -> Pattern {
        self.narrower = Some(text);
        self
    }
    const fn lookbehind(mut self, bytes: usize) -> Pattern {
        self.lookbehind = bytes;
        self
    }
    const fn max_len(mut self, bytes: usize) -> Pattern {
        self.max_len = bytes;
        self
    }
    const fn precheck(mut self, precheck: Precheck) -> Pattern {
        self.precheck = precheck;
        self
    }
}

/// The id of the JWT pattern, refined to a Supabase service-role key when the payload says so.
pub(crate) const JWT_ID: &str = "jwt";
/// Refinement of [`JWT_ID`].
pub(crate) const SUPABASE_SERVICE_ROLE: (&str, &str, Option<&str>) = (
    "supabase-service-role-jwt",
    "Supabase",
    Some(NARROWER_SUPABASE_SERVICE_ROLE),
);
/// The id of the PEM private-key pattern, refined to a Google service-account key in key files.
pub(crate) const PRIVATE_KEY_ID: &str = "private-key";
/// Refinement of [`PRIVATE_KEY_ID`].
pub(crate) const GCP_SERVICE_ACCOUNT_KEY: (&str, &str, Option<&str>) =
    ("gcp-service-account-private-key", "Google", None);

/// Kind reported for a high-entropy value under a secret-like key.
pub(crate) const GENERIC_ID: &str = "generic-high-entropy";
/// A literal under a password key (`DB_PASSWORD`, `--password=`), random-looking or not.
pub(crate) const PASSWORD_ID: &str = "literal-password";
/// Kind reported for a 40-character secret under an AWS secret-key name.
pub(crate) const AWS_SECRET_ID: &str = "aws-secret-access-key";

/// Formats without a distinctive literal, recognised by the key they are stored under: when the
/// generic check fires under a key containing all `fragments` (normalised: lowercase, no
/// punctuation), the match gets this kind instead of [`GENERIC_ID`].
pub(crate) struct KeyedKind {
    pub fragments: &'static [&'static str],
    pub id: &'static str,
    pub provider: &'static str,
    pub narrower: Option<&'static str>,
}

pub(crate) const KEYED_KINDS: &[KeyedKind] = &[
    KeyedKind {
        fragments: &["secretaccesskey"],
        id: AWS_SECRET_ID,
        provider: "AWS",
        narrower: Some(NARROWER_AWS_LONG_LIVED),
    },
    KeyedKind {
        fragments: &["aws", "secret"],
        id: AWS_SECRET_ID,
        provider: "AWS",
        narrower: Some(NARROWER_AWS_LONG_LIVED),
    },
    KeyedKind {
        fragments: &["vercel"],
        id: "vercel-token",
        provider: "Vercel",
        narrower: None,
    },
    KeyedKind {
        fragments: &["cloudflare"],
        id: "cloudflare-api-token",
        provider: "Cloudflare",
        narrower: None,
    },
    KeyedKind {
        fragments: &["cfapi"],
        id: "cloudflare-api-token",
        provider: "Cloudflare",
        narrower: None,
    },
    KeyedKind {
        fragments: &["twilio", "token"],
        id: "twilio-auth-token",
        provider: "Twilio",
        narrower: None,
    },
    KeyedKind {
        fragments: &["discord", "token"],
        id: "discord-bot-token",
        provider: "Discord",
        narrower: None,
    },
];

#[rustfmt::skip]
pub(crate) const PATTERNS: &[Pattern] = &[
    // --- GitHub
    p("github-classic-pat", "GitHub", &["ghp_"], r"ghp_[A-Za-z0-9]{36}").narrower(NARROWER_GITHUB_CLASSIC),
    p("github-fine-grained-pat", "GitHub", &["github_pat_"], r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),
    p("github-oauth-token", "GitHub", &["gho_"], r"gho_[A-Za-z0-9]{36}"),
    p("github-user-to-server-token", "GitHub", &["ghu_"], r"ghu_[A-Za-z0-9]{36}"),
    p("github-app-installation-token", "GitHub", &["ghs_"], r"ghs_[A-Za-z0-9]{36}"),
    p("github-refresh-token", "GitHub", &["ghr_"], r"ghr_[A-Za-z0-9]{36,76}"),
    // --- GitLab
    p("gitlab-pat", "GitLab", &["glpat-"], r"glpat-[A-Za-z0-9_-]{20,}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?").narrower(NARROWER_GITLAB_PAT),
    p("gitlab-pipeline-trigger-token", "GitLab", &["glptt-"], r"glptt-[0-9a-f]{40}"),
    p("gitlab-runner-token", "GitLab", &["glrt-"], r"glrt-[A-Za-z0-9_-]{20,}"),
    p("gitlab-deploy-token", "GitLab", &["gldt-"], r"gldt-[A-Za-z0-9_-]{20,}"),
    p("gitlab-oauth-app-secret", "GitLab", &["gloas-"], r"gloas-[A-Za-z0-9_-]{64}"),
    // --- Slack
    p("slack-bot-token", "Slack", &["xox"], r"xoxb-[0-9]{10,13}-[0-9]{10,13}-?[A-Za-z0-9-]{24,34}"),
    p("slack-user-token", "Slack", &["xox"], r"xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9-]{28,34}").narrower(NARROWER_SLACK_USER),
    p("slack-legacy-token", "Slack", &["xox"], r"xox[aros]-(?:[0-9]-)?[0-9A-Za-z-]{8,100}"),
    p("slack-app-token", "Slack", &["xapp-"], r"xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[a-z0-9]{60,70}"),
    p("slack-config-token", "Slack", &["xox"], r"xoxe\.xox[bp]-[0-9]-[A-Za-z0-9]{160,}"),
    p("slack-webhook-url", "Slack", &["hooks.slack.com/"], r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}"),
    // --- OpenAI
    p("openai-project-key", "OpenAI", &["sk-proj-"], r"sk-proj-[A-Za-z0-9_-]{40,}"),
    p("openai-service-account-key", "OpenAI", &["sk-svcacct-"], r"sk-svcacct-[A-Za-z0-9_-]{40,}"),
    p("openai-admin-key", "OpenAI", &["sk-admin-"], r"sk-admin-[A-Za-z0-9_-]{40,}"),
    p("openai-api-key", "OpenAI", &["sk-"], r"sk-[A-Za-z0-9]{48}"),
    // --- Anthropic
    p("anthropic-api-key", "Anthropic", &["sk-ant-api03-"], r"sk-ant-api03-[A-Za-z0-9_-]{93}AA"),
    p("anthropic-admin-key", "Anthropic", &["sk-ant-admin01-"], r"sk-ant-admin01-[A-Za-z0-9_-]{93}AA"),
    // --- Stripe
    p("stripe-live-secret-key", "Stripe", &["sk_live_"], r"sk_live_[A-Za-z0-9]{24,}").narrower(NARROWER_STRIPE_SECRET),
    p("stripe-live-restricted-key", "Stripe", &["rk_live_"], r"rk_live_[A-Za-z0-9]{24,}"),
    p("stripe-test-secret-key", "Stripe", &["sk_test_"], r"sk_test_[A-Za-z0-9]{24,}"),
    p("stripe-test-restricted-key", "Stripe", &["rk_test_"], r"rk_test_[A-Za-z0-9]{24,}"),
    p("stripe-webhook-secret", "Stripe", &["whsec_"], r"whsec_[A-Za-z0-9+/=]{32,100}"),
    // --- AWS
    p("aws-access-key-id", "AWS", &["AKIA", "ABIA", "ACCA", "A3T"], r"(?:AKIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}").narrower(NARROWER_AWS_LONG_LIVED),
    p("aws-temporary-access-key-id", "AWS", &["ASIA"], r"ASIA[A-Z2-7]{16}"),
    // --- Google
    p("google-api-key", "Google", &["AIza"], r"AIza[0-9A-Za-z_-]{35}"),
    p("google-oauth-client-secret", "Google", &["GOCSPX-"], r"GOCSPX-[A-Za-z0-9_-]{28}"),
    p("google-oauth-access-token", "Google", &["ya29."], r"ya29\.[0-9A-Za-z_-]{30,}").max_len(2100),
    // --- Azure
    p("azure-storage-account-key", "Azure", &["AccountKey="], r"AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)"),
    p("azure-shared-access-key", "Azure", &["SharedAccessKey="], r"SharedAccessKey=(?P<secret>[A-Za-z0-9+/]{43}=)"),
    p("azure-ad-client-secret", "Azure", &["Q~"], r"[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}").lookbehind(4),
    // --- Notion, Linear, Atlassian, Figma, Airtable
    p("notion-integration-token", "Notion", &["secret_"], r"secret_[A-Za-z0-9]{43}"),
    p("notion-api-token", "Notion", &["ntn_"], r"ntn_[0-9]{11}[A-Za-z0-9]{35}"),
    p("linear-api-key", "Linear", &["lin_api_"], r"lin_api_[A-Za-z0-9]{40}"),
    p("linear-oauth-token", "Linear", &["lin_oauth_"], r"lin_oauth_[a-f0-9]{64}"),
    p("atlassian-api-token", "Atlassian", &["ATATT3"], r"ATATT3[A-Za-z0-9_=-]{186}"),
    p("figma-personal-access-token", "Figma", &["figd_"], r"figd_[A-Za-z0-9_-]{40}"),
    p("airtable-personal-access-token", "Airtable", &["pat"], r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}"),
    // --- package registries and ML hubs
    p("huggingface-token", "Hugging Face", &["hf_"], r"hf_[A-Za-z]{34}"),
    p("huggingface-org-token", "Hugging Face", &["api_org_"], r"api_org_[A-Za-z]{34}"),
    p("npm-access-token", "npm", &["npm_"], r"npm_[A-Za-z0-9]{36}"),
    p("pypi-upload-token", "PyPI", &["pypi-AgE"], r"pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,}").max_len(1100),
    p("docker-hub-pat", "Docker", &["dckr_pat_"], r"dckr_pat_[A-Za-z0-9_-]{27}"),
    p("replicate-api-token", "Replicate", &["r8_"], r"r8_[A-Za-z0-9]{37}"),
    // --- messaging
    p("sendgrid-api-key", "SendGrid", &["SG."], r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    p("twilio-api-key", "Twilio", &["SK"], r"SK[0-9a-fA-F]{32}"),
    p("twilio-account-credentials", "Twilio", &["AC"], r#"AC[0-9a-f]{32}[:\s"',;=]{1,6}(?P<secret>[0-9a-f]{32})"#),
    p("discord-bot-token", "Discord", &["MT", "Mj", "Mz", "Nj", "Nz"], r"[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}"),
    p("discord-webhook-url", "Discord", &["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"], r"discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,68}"),
    p("telegram-bot-token", "Telegram", &[":AA"], r"[0-9]{8,10}:AA[0-9A-Za-z_-]{33}").lookbehind(10),
    p("mailgun-api-key", "Mailgun", &["key-"], r"key-[0-9a-f]{32}"),
    // --- hosting, infra, observability
    p("supabase-access-token", "Supabase", &["sbp_"], r"sbp_[a-f0-9]{40}"),
    p("supabase-secret-key", "Supabase", &["sb_secret_"], r"sb_secret_[A-Za-z0-9_-]{31,64}"),
    p("cloudflare-origin-ca-key", "Cloudflare", &["v1.0-"], r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}"),
    p("sentry-org-token", "Sentry", &["sntry"], r"sntrys_eyJ[A-Za-z0-9+/=]{30,}_[A-Za-z0-9+/]{43}"),
    p("sentry-user-token", "Sentry", &["sntry"], r"sntryu_[a-f0-9]{64}"),
    p("shopify-access-token", "Shopify", &["shp"], r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    p("digitalocean-token", "DigitalOcean", &["dop_v1_", "doo_v1_", "dor_v1_"], r"do[por]_v1_[a-f0-9]{64}"),
    p("databricks-token", "Databricks", &["dapi"], r"dapi[a-f0-9]{32}(?:-[0-9])?"),
    p("grafana-cloud-token", "Grafana", &["glc_"], r"glc_[A-Za-z0-9+/]{32,}={0,2}"),
    p("grafana-service-account-token", "Grafana", &["glsa_"], r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"),
    p("postman-api-key", "Postman", &["PMAK-"], r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
    p("doppler-token", "Doppler", &["dp."], r"dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9]{40,44}"),
    p("hashicorp-vault-token", "HashiCorp", &["hvs.", "hvb."], r"hv[sb]\.[A-Za-z0-9_-]{24,}"),
    p("terraform-cloud-token", "HashiCorp", &[".atlasv1."], r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}").lookbehind(14),
    p("pulumi-access-token", "Pulumi", &["pul-"], r"pul-[a-f0-9]{40}"),
    p("newrelic-user-api-key", "New Relic", &["NRAK-"], r"NRAK-[A-Z0-9]{27}"),
    p("planetscale-token", "PlanetScale", &["pscale_"], r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64}"),
    p("square-access-token", "Square", &["sq0"], r"sq0(?:atp-[A-Za-z0-9_-]{22}|csp-[A-Za-z0-9_-]{43})"),
    p("braintree-access-token", "PayPal", &["access_token$production$"], r"access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}"),
    p("mapbox-secret-token", "Mapbox", &["sk.eyJ"], r"sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,100}"),
    // --- AI APIs commonly wired into MCP servers
    p("groq-api-key", "Groq", &["gsk_"], r"gsk_[A-Za-z0-9]{52}"),
    p("perplexity-api-key", "Perplexity", &["pplx-"], r"pplx-[A-Za-z0-9]{48}"),
    p("xai-api-key", "xAI", &["xai-"], r"xai-[A-Za-z0-9]{80}"),
    p("tavily-api-key", "Tavily", &["tvly-"], r"tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}"),
    p("firecrawl-api-key", "Firecrawl", &["fc-"], r"fc-[a-f0-9]{32}"),
    // --- platform keys vendors' READMEs pass as launch-line arguments
    // (`@neondatabase/mcp-server-neon start <key>`, `@apify/actors-mcp-server --token <token>`)
    p("neon-api-key", "Neon", &["napi_"], r"napi_[A-Za-z0-9]{60,72}"),
    p("apify-api-token", "Apify", &["apify_api_"], r"apify_api_[A-Za-z0-9]{30,40}"),
    // --- generic credential shapes
    p("database-url-password", "Database", &["://"],
        r#"(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse)://[^:@/\s"'<>]{0,}:(?P<secret>[^@/\s"'<>]{1,})@"#)
        .lookbehind(14).precheck(Precheck::UrlUserinfo),
    p("url-password", "URL", &["://"],
        r#"(?:https?|s?ftp|smtps?|ldaps?)://[^:@/\s"'<>]{1,}:(?P<secret>[^@/\s"'<>]{1,})@"#)
        .lookbehind(6).precheck(Precheck::UrlUserinfo),
    p(JWT_ID, "JWT", &["eyJ"], r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}").max_len(7100),
    p(PRIVATE_KEY_ID, "PEM", &["-----BEGIN "], r"-----BEGIN[A-Z ]{0,24} PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s\\:,-]{32,}?-----END[A-Z ]{0,24} PRIVATE KEY(?: BLOCK)?-----").max_len(16_200),
    p("age-secret-key", "age", &["AGE-SECRET-KEY-1"], r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
];

/// Words that, inside a key name, make `key=value` pairs in free text worth an entropy check.
/// Case variants are listed because the prefilter automaton is case-sensitive (making it
/// case-insensitive would multiply hits of the short provider literals such as `SK`).
pub(crate) const KEY_WORDS: &[&str] = &[
    "token",
    "Token",
    "TOKEN",
    "secret",
    "Secret",
    "SECRET",
    "passw",
    "Passw",
    "PASSW",
    "pwd",
    "PWD",
    "_key",
    "_KEY",
    "-key",
    "-KEY",
    "Key",
    "apikey",
    "APIKEY",
    "auth",
    "Auth",
    "AUTH",
    "redential",
    "REDENTIAL",
    "assphrase",
    "ASSPHRASE",
];
