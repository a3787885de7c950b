//! Every provider pattern finds a pattern-valid fake token and skips a near miss.
//!
//! Tokens are generated at test time from a fixed seed: they have the right shape and are not
//! anyone's credentials.

use std::collections::BTreeSet;

use mcpward_secrets::{Detector, SecretMatch, kinds};

/// Deterministic xorshift generator for fake token bodies.
struct Fake(u64);

impl Fake {
    fn from(&mut self, alphabet: &str, n: usize) -> String {
        let alphabet = alphabet.as_bytes();
        (0..n)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                char::from(alphabet[(self.0 % alphabet.len() as u64) as usize])
            })
            .collect()
    }
    fn alnum(&mut self, n: usize) -> String {
        self.from(
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789",
            n,
        )
    }
    fn letters(&mut self, n: usize) -> String {
        self.from("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", n)
    }
    fn hex(&mut self, n: usize) -> String {
        self.from("0123456789abcdef", n)
    }
    fn digits(&mut self, n: usize) -> String {
        self.from("123456789", n)
    }
    fn upper(&mut self, n: usize) -> String {
        self.from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", n)
    }
    fn b32(&mut self, n: usize) -> String {
        self.from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", n)
    }
    fn b64(&mut self, n: usize) -> String {
        self.from(
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789+/",
            n,
        )
    }
    fn b64url(&mut self, n: usize) -> String {
        self.from(
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_",
            n,
        )
    }
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn jwt(f: &mut Fake, payload: &str) -> String {
    format!(
        "{}.{}.{}",
        base64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        base64url(payload.as_bytes()),
        f.b64url(43)
    )
}

/// One case: the kind, a text holding one token of that kind with the secret part, and a near
/// miss that must produce no match of that kind.
struct Case {
    kind: &'static str,
    text: String,
    secret: String,
    near_miss: String,
}

fn case(kind: &'static str, text: String, near_miss: String) -> Case {
    Case {
        kind,
        secret: text.clone(),
        text,
        near_miss,
    }
}

/// A case where the secret is only part of the text (URL passwords, `KEY=value` lines).
fn part(kind: &'static str, text: String, secret: String, near_miss: String) -> Case {
    Case {
        kind,
        text,
        secret,
        near_miss,
    }
}

fn cases() -> Vec<Case> {
    let f = &mut Fake(0x9E37_79B9_7F4A_7C15);
    let pem_body = (0..12).map(|_| f.b64(64)).collect::<Vec<_>>().join("\n");
    let twilio_sid = format!("AC{}", f.hex(32));
    let twilio_token = f.hex(32);
    let db_password = f.alnum(20);
    let url_password = f.alnum(16);
    let azure_key = format!("{}==", f.b64(86));
    let azure_sas = format!("{}=", f.b64(43));
    let aws_secret = f.b64(40);
    let vercel = f.alnum(24);
    let cloudflare = f.alnum(40);
    let braintree = format!(
        "access_token$production${}${}",
        f.from("abcdefghijkmnpqrstuvwxyz0123456789", 16),
        f.hex(32)
    );
    let gcp_key = format!(
        "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n",
        f.b64(64 * 4)
    );
    vec![
        case(
            "github-classic-pat",
            format!("ghp_{}", f.alnum(36)),
            format!("ghp_{}", f.alnum(35)),
        ),
        case(
            "github-fine-grained-pat",
            format!("github_pat_{}_{}", f.alnum(22), f.alnum(59)),
            format!("github_pat_{}_{}", f.alnum(21), f.alnum(59)),
        ),
        case(
            "github-oauth-token",
            format!("gho_{}", f.alnum(36)),
            format!("gho_{}", f.alnum(35)),
        ),
        case(
            "github-user-to-server-token",
            format!("ghu_{}", f.alnum(36)),
            format!("ghu_{}", f.alnum(30)),
        ),
        case(
            "github-app-installation-token",
            format!("ghs_{}", f.alnum(36)),
            format!("ghs_{}", f.alnum(37)),
        ),
        case(
            "github-refresh-token",
            format!("ghr_{}", f.alnum(36)),
            format!("ghr_{}", f.alnum(20)),
        ),
        case(
            "gitlab-pat",
            format!("glpat-{}", f.alnum(20)),
            format!("glpat-{}", f.alnum(19)),
        ),
        case(
            "gitlab-pipeline-trigger-token",
            format!("glptt-{}", f.hex(40)),
            format!("glptt-{}", f.hex(39)),
        ),
        case(
            "gitlab-runner-token",
            format!("glrt-{}", f.alnum(20)),
            format!("glrt-{}", f.alnum(12)),
        ),
        case(
            "gitlab-deploy-token",
            format!("gldt-{}", f.alnum(20)),
            format!("gldt-{}", f.alnum(12)),
        ),
        case(
            "gitlab-oauth-app-secret",
            format!("gloas-{}", f.alnum(64)),
            format!("gloas-{}", f.alnum(63)),
        ),
        case(
            "slack-bot-token",
            format!("xoxb-{}-{}-{}", f.digits(11), f.digits(12), f.alnum(24)),
            format!("xoxb-{}-{}", f.digits(5), f.alnum(24)),
        ),
        case(
            "slack-user-token",
            format!(
                "xoxp-{}-{}-{}-{}",
                f.digits(11),
                f.digits(12),
                f.digits(12),
                f.hex(32)
            ),
            format!("xoxp-{}-{}-{}", f.digits(11), f.digits(12), f.hex(32)),
        ),
        case(
            "slack-legacy-token",
            format!("xoxa-2-{}", f.alnum(30)),
            format!("xoxa-{}", f.alnum(5)),
        ),
        case(
            "slack-app-token",
            format!("xapp-1-{}-{}-{}", f.upper(11), f.digits(13), f.hex(64)),
            format!("xapp-1-{}-{}", f.upper(11), f.hex(64)),
        ),
        case(
            "slack-config-token",
            format!("xoxe.xoxp-1-{}", f.alnum(165)),
            format!("xoxe.xoxp-1-{}", f.alnum(100)),
        ),
        part(
            "slack-webhook-url",
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                f.upper(10),
                f.upper(10),
                f.alnum(24)
            ),
            String::new(),
            format!("https://hooks.slack.com/services/T{}", f.upper(10)),
        ),
        case(
            "openai-project-key",
            format!("sk-proj-{}T3BlbkFJ{}", f.b64url(60), f.alnum(60)),
            format!("sk-proj-{}", f.alnum(20)),
        ),
        case(
            "openai-service-account-key",
            format!("sk-svcacct-{}T3BlbkFJ{}", f.b64url(60), f.alnum(60)),
            format!("sk-svcacct-{}", f.alnum(20)),
        ),
        case(
            "openai-admin-key",
            format!("sk-admin-{}T3BlbkFJ{}", f.b64url(60), f.alnum(60)),
            format!("sk-admin-{}", f.alnum(20)),
        ),
        case(
            "openai-api-key",
            format!("sk-{}T3BlbkFJ{}", f.alnum(20), f.alnum(20)),
            format!("sk-{}", f.alnum(47)),
        ),
        case(
            "anthropic-api-key",
            format!("sk-ant-api03-{}AA", f.b64url(93)),
            format!("sk-ant-api03-{}AA", f.alnum(50)),
        ),
        case(
            "anthropic-admin-key",
            format!("sk-ant-admin01-{}AA", f.b64url(93)),
            format!("sk-ant-admin01-{}AA", f.alnum(50)),
        ),
        case(
            "stripe-live-secret-key",
            format!("sk_live_{}", f.alnum(24)),
            format!("sk_live_{}", f.alnum(23)),
        ),
        case(
            "stripe-live-restricted-key",
            format!("rk_live_{}", f.alnum(99)),
            format!("rk_live_{}", f.alnum(23)),
        ),
        case(
            "stripe-test-secret-key",
            format!("sk_test_{}", f.alnum(24)),
            format!("sk_test_{}", f.alnum(10)),
        ),
        case(
            "stripe-test-restricted-key",
            format!("rk_test_{}", f.alnum(24)),
            format!("rk_test_{}", f.alnum(10)),
        ),
        case(
            "stripe-webhook-secret",
            format!("whsec_{}", f.alnum(32)),
            format!("whsec_{}", f.alnum(31)),
        ),
        case(
            "aws-access-key-id",
            format!("AKIA{}", f.b32(16)),
            format!("AKIA{}", f.b32(15)),
        ),
        case(
            "aws-temporary-access-key-id",
            format!("ASIA{}", f.b32(16)),
            format!("ASIA{}", f.b32(17)),
        ),
        part(
            "aws-secret-access-key",
            format!("aws_secret_access_key = {aws_secret}"),
            aws_secret.clone(),
            format!("aws_secret_access_key = {}", &aws_secret[..39]),
        ),
        case(
            "google-api-key",
            format!("AIza{}", f.b64url(35)),
            format!("AIza{}", f.b64url(34)),
        ),
        case(
            "google-oauth-client-secret",
            format!("GOCSPX-{}", f.b64url(28)),
            format!("GOCSPX-{}", f.b64url(27)),
        ),
        case(
            "google-oauth-access-token",
            format!("ya29.{}", f.b64url(120)),
            format!("ya29.{}", f.alnum(10)),
        ),
        part(
            "azure-storage-account-key",
            format!(
                "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={azure_key};EndpointSuffix=core.windows.net"
            ),
            azure_key.clone(),
            format!("AccountName=acct;AccountKey={};", f.b64(80)),
        ),
        part(
            "azure-shared-access-key",
            format!(
                "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={azure_sas}"
            ),
            azure_sas.clone(),
            format!("SharedAccessKey={}", f.b64(30)),
        ),
        case(
            "azure-ad-client-secret",
            format!("{}8Q~{}", f.alnum(3), f.alnum(34)),
            format!("{}Q~{}", f.letters(4), f.alnum(34)),
        ),
        case(
            "notion-integration-token",
            format!("secret_{}", f.alnum(43)),
            format!("secret_{}", f.alnum(42)),
        ),
        case(
            "notion-api-token",
            format!("ntn_{}{}", f.digits(11), f.alnum(35)),
            format!("ntn_{}{}", f.digits(5), f.alnum(35)),
        ),
        case(
            "linear-api-key",
            format!("lin_api_{}", f.alnum(40)),
            format!("lin_api_{}", f.alnum(39)),
        ),
        case(
            "linear-oauth-token",
            format!("lin_oauth_{}", f.hex(64)),
            format!("lin_oauth_{}", f.hex(63)),
        ),
        case(
            "atlassian-api-token",
            format!("ATATT3{}", f.b64url(186)),
            format!("ATATT3{}", f.b64url(100)),
        ),
        case(
            "figma-personal-access-token",
            format!("figd_{}", f.b64url(40)),
            format!("figd_{}", f.alnum(39)),
        ),
        case(
            "airtable-personal-access-token",
            format!("pat{}.{}", f.alnum(14), f.hex(64)),
            format!("pat{}.{}", f.alnum(14), f.hex(60)),
        ),
        case(
            "huggingface-token",
            format!("hf_{}", f.letters(34)),
            format!("hf_{}", f.letters(33)),
        ),
        case(
            "huggingface-org-token",
            format!("api_org_{}", f.letters(34)),
            format!("api_org_{}", f.letters(33)),
        ),
        case(
            "npm-access-token",
            format!("npm_{}", f.alnum(36)),
            format!("npm_{}", f.alnum(35)),
        ),
        case(
            "pypi-upload-token",
            format!("pypi-AgEIcHlwaS5vcmc{}", f.b64url(70)),
            format!("pypi-AgEIcHlwaS5vcmc{}", f.alnum(10)),
        ),
        case(
            "docker-hub-pat",
            format!("dckr_pat_{}", f.b64url(27)),
            format!("dckr_pat_{}", f.alnum(26)),
        ),
        case(
            "replicate-api-token",
            format!("r8_{}", f.alnum(37)),
            format!("r8_{}", f.alnum(36)),
        ),
        case(
            "sendgrid-api-key",
            format!("SG.{}.{}", f.b64url(22), f.b64url(43)),
            format!("SG.{}.{}", f.alnum(21), f.alnum(43)),
        ),
        case(
            "twilio-api-key",
            format!("SK{}", f.hex(32)),
            format!("SK{}", f.hex(31)),
        ),
        part(
            "twilio-account-credentials",
            format!("{twilio_sid}:{twilio_token}"),
            twilio_token.clone(),
            twilio_sid.clone(),
        ),
        case(
            "discord-bot-token",
            format!("MT{}.{}.{}", f.alnum(22), f.b64url(6), f.b64url(38)),
            format!("MT{}.{}.{}", f.alnum(22), f.alnum(5), f.alnum(38)),
        ),
        part(
            "discord-webhook-url",
            format!(
                "https://discord.com/api/webhooks/{}/{}",
                f.digits(18),
                f.b64url(68)
            ),
            String::new(),
            format!(
                "https://discord.com/api/webhooks/{}/{}",
                f.digits(18),
                f.alnum(20)
            ),
        ),
        case(
            "telegram-bot-token",
            format!("{}:AA{}", f.digits(10), f.b64url(33)),
            format!("{}:AA{}", f.digits(10), f.alnum(32)),
        ),
        case(
            "mailgun-api-key",
            format!("key-{}", f.hex(32)),
            format!("key-{}", f.hex(31)),
        ),
        case(
            "supabase-access-token",
            format!("sbp_{}", f.hex(40)),
            format!("sbp_{}", f.hex(39)),
        ),
        case(
            "supabase-secret-key",
            format!("sb_secret_{}", f.b64url(40)),
            format!("sb_secret_{}", f.alnum(20)),
        ),
        part(
            "vercel-token",
            format!("VERCEL_TOKEN={vercel}"),
            vercel.clone(),
            format!("VERCEL_PROJECT={vercel}"),
        ),
        part(
            "cloudflare-api-token",
            format!("CLOUDFLARE_API_TOKEN: {cloudflare}"),
            cloudflare.clone(),
            format!("CLOUDFLARE_ZONE: {cloudflare}"),
        ),
        case(
            "cloudflare-origin-ca-key",
            format!("v1.0-{}-{}", f.hex(24), f.hex(146)),
            format!("v1.0-{}-{}", f.hex(24), f.hex(140)),
        ),
        case(
            "sentry-org-token",
            format!("sntrys_eyJ{}_{}", f.b64(80), f.b64(43)),
            format!("sntrys_eyJ{}_{}", f.b64(80), f.b64(20)),
        ),
        case(
            "sentry-user-token",
            format!("sntryu_{}", f.hex(64)),
            format!("sntryu_{}", f.hex(63)),
        ),
        case(
            "shopify-access-token",
            format!("shpat_{}", f.hex(32)),
            format!("shpat_{}", f.hex(31)),
        ),
        case(
            "digitalocean-token",
            format!("dop_v1_{}", f.hex(64)),
            format!("dop_v1_{}", f.hex(63)),
        ),
        case(
            "databricks-token",
            format!("dapi{}", f.hex(32)),
            format!("dapi{}", f.hex(31)),
        ),
        case(
            "grafana-cloud-token",
            format!("glc_{}", f.b64(60)),
            format!("glc_{}", f.alnum(31)),
        ),
        case(
            "grafana-service-account-token",
            format!("glsa_{}_{}", f.alnum(32), f.hex(8)),
            format!("glsa_{}_{}", f.alnum(32), f.hex(7)),
        ),
        case(
            "postman-api-key",
            format!("PMAK-{}-{}", f.hex(24), f.hex(34)),
            format!("PMAK-{}-{}", f.hex(24), f.hex(33)),
        ),
        case(
            "doppler-token",
            format!("dp.pt.{}", f.alnum(43)),
            format!("dp.pt.{}", f.alnum(30)),
        ),
        case(
            "hashicorp-vault-token",
            format!("hvs.{}", f.b64url(90)),
            format!("hvs.{}", f.alnum(10)),
        ),
        case(
            "terraform-cloud-token",
            format!("{}.atlasv1.{}", f.alnum(14), f.b64url(67)),
            format!("{}.atlasv1.{}", f.alnum(14), f.alnum(30)),
        ),
        case(
            "pulumi-access-token",
            format!("pul-{}", f.hex(40)),
            format!("pul-{}", f.hex(39)),
        ),
        case(
            "newrelic-user-api-key",
            format!("NRAK-{}", f.upper(27)),
            format!("NRAK-{}", f.upper(26)),
        ),
        case(
            "planetscale-token",
            format!("pscale_tkn_{}", f.b64url(43)),
            format!("pscale_tkn_{}", f.alnum(20)),
        ),
        case(
            "square-access-token",
            format!("sq0atp-{}", f.b64url(22)),
            format!("sq0atp-{}", f.alnum(21)),
        ),
        case(
            "braintree-access-token",
            braintree.clone(),
            braintree[..braintree.len() - 1].to_owned(),
        ),
        case(
            "mapbox-secret-token",
            format!("sk.eyJ{}.{}", f.b64url(60), f.b64url(22)),
            format!("sk.eyJ{}.{}", f.b64url(60), f.alnum(10)),
        ),
        case(
            "groq-api-key",
            format!("gsk_{}", f.alnum(52)),
            format!("gsk_{}", f.alnum(51)),
        ),
        case(
            "perplexity-api-key",
            format!("pplx-{}", f.alnum(48)),
            format!("pplx-{}", f.alnum(47)),
        ),
        case(
            "xai-api-key",
            format!("xai-{}", f.alnum(80)),
            format!("xai-{}", f.alnum(79)),
        ),
        case(
            "tavily-api-key",
            format!("tvly-dev-{}", f.alnum(32)),
            format!("tvly-{}", f.alnum(31)),
        ),
        case(
            "firecrawl-api-key",
            format!("fc-{}", f.hex(32)),
            format!("fc-{}", f.hex(31)),
        ),
        case(
            "neon-api-key",
            format!("napi_{}", f.alnum(64)),
            format!("napi_{}", f.alnum(40)),
        ),
        case(
            "apify-api-token",
            format!("apify_api_{}", f.alnum(36)),
            format!("apify_api_{}", f.alnum(20)),
        ),
        part(
            "database-url-password",
            format!("postgres://app:{db_password}@db.internal:5432/app"),
            db_password.clone(),
            "postgres://app@db.internal:5432/app".to_owned(),
        ),
        part(
            "url-password",
            format!("https://deploy:{url_password}@registry.internal/simple"),
            url_password.clone(),
            "https://registry.internal:8443/simple".to_owned(),
        ),
        case(
            "jwt",
            jwt(f, r#"{"sub":"1234567890","iat":1700000000}"#),
            format!(
                "{}.{}",
                base64url(br#"{"alg":"HS256","typ":"JWT"}"#),
                base64url(br#"{"sub":"1234567890"}"#)
            ),
        ),
        case(
            "supabase-service-role-jwt",
            jwt(
                f,
                r#"{"iss":"supabase","ref":"qwmzrtplkbvnhgdc","role":"service_role","iat":1700000000,"exp":2000000000}"#,
            ),
            String::new(),
        ),
        case(
            "private-key",
            format!("-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----"),
            format!("-----BEGIN PUBLIC KEY-----\n{pem_body}\n-----END PUBLIC KEY-----"),
        ),
        part(
            "gcp-service-account-private-key",
            format!(r#"{{"type": "service_account", "private_key": "{gcp_key}"}}"#),
            gcp_key.trim_end_matches("\\n").to_owned(),
            String::new(),
        ),
        case(
            "age-secret-key",
            format!(
                "AGE-SECRET-KEY-1{}",
                f.from("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)
            ),
            format!(
                "AGE-SECRET-KEY-1{}",
                f.from("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 57)
            ),
        ),
        part(
            "twilio-auth-token",
            format!("TWILIO_AUTH_TOKEN={twilio_token}"),
            twilio_token.clone(),
            format!("TWILIO_ACCOUNT={twilio_token}"),
        ),
        part(
            "literal-password",
            "DB_PASSWORD=Sup3rS3cret!".to_owned(),
            "Sup3rS3cret!".to_owned(),
            "DB_PASSWORD=postgres".to_owned(),
        ),
        part(
            "generic-high-entropy",
            format!("BRAVE_API_KEY={}", "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5"),
            "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5".to_owned(),
            format!("LOG_FORMAT={}", "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5"),
        ),
    ]
}

fn secret_of(text: &str, m: &SecretMatch) -> String {
    text[m.range.clone()].to_owned()
}

#[test]
fn every_kind_has_a_case() {
    let covered: BTreeSet<&str> = cases().iter().map(|c| c.kind).collect();
    let missing: Vec<&str> = kinds()
        .map(|(id, _)| id)
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "kinds without a provider test: {missing:?}"
    );
    let providers: BTreeSet<&str> = kinds().map(|(_, provider)| provider).collect();
    assert!(providers.len() >= 25, "only {} providers", providers.len());
}

#[test]
fn finds_every_provider_token_with_its_kind() {
    let detector = Detector::global();
    for case in cases() {
        let found = detector.scan_text(&case.text);
        let kinds: Vec<&str> = found.iter().map(|m| m.kind).collect();
        assert_eq!(kinds, [case.kind], "scanning {:?}", case.text);
        if !case.secret.is_empty() {
            assert_eq!(
                secret_of(&case.text, &found[0]),
                case.secret,
                "range of {}",
                case.kind
            );
        }
        // The same token as a config value is found too (keyed kinds need their key).
        if case.secret == case.text {
            let as_value = detector.scan_value(None, &case.text);
            assert_eq!(as_value.len(), 1, "scan_value on {}", case.kind);
            assert_eq!(as_value[0].kind, case.kind);
            assert_eq!(as_value[0].range, 0..case.text.len());
        }
    }
}

#[test]
fn finds_tokens_embedded_in_config_lines() {
    let detector = Detector::global();
    for case in cases().into_iter().filter(|c| c.secret == c.text) {
        for text in [
            format!(r#"  "env": {{ "SOME_VALUE": "{}" }},"#, case.text),
            format!("url = '{}'\n", case.text),
            format!("- --flag={} # set by ops", case.text),
        ] {
            let found = detector.scan_text(&text);
            assert!(
                found
                    .iter()
                    .any(|m| m.kind == case.kind && text[m.range.clone()] == case.text),
                "{} not found in {text:?}: {found:?}",
                case.kind
            );
        }
    }
}

#[test]
fn skips_near_misses_of_every_provider() {
    let detector = Detector::global();
    for case in cases().into_iter().filter(|c| !c.near_miss.is_empty()) {
        let found = detector.scan_text(&case.near_miss);
        assert!(
            found.iter().all(|m| m.kind != case.kind),
            "near miss {:?} reported as {}",
            case.near_miss,
            case.kind
        );
        let provider_hits: Vec<_> = found
            .iter()
            .filter(|m| m.kind != "generic-high-entropy")
            .collect();
        assert!(
            provider_hits.is_empty(),
            "near miss {:?} matched {provider_hits:?}",
            case.near_miss
        );
    }
}

#[test]
fn over_broad_credentials_name_their_narrower_form() {
    let detector = Detector::global();
    let f = &mut Fake(7);
    for (token, expected) in [
        (format!("ghp_{}", f.alnum(36)), "github_pat_"),
        (format!("sk_live_{}", f.alnum(30)), "rk_live_"),
        (
            format!(
                "xoxp-{}-{}-{}-{}",
                f.digits(11),
                f.digits(12),
                f.digits(12),
                f.hex(32)
            ),
            "xoxb-",
        ),
        (format!("AKIA{}", f.b32(16)), "ASIA"),
    ] {
        let found = detector.scan_value(None, &token);
        let narrower = found.first().and_then(|m| m.narrower).unwrap_or_default();
        assert!(narrower.contains(expected), "{token}: {narrower:?}");
    }
    let fine_grained = format!("github_pat_{}_{}", f.alnum(22), f.alnum(59));
    assert_eq!(detector.scan_value(None, &fine_grained)[0].narrower, None);
}

#[test]
fn aws_secret_under_its_key_is_named() {
    let f = &mut Fake(11);
    let secret = f.b64(40);
    let found = Detector::global().scan_value(Some("AWS_SECRET_ACCESS_KEY"), &secret);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "aws-secret-access-key");
    assert_eq!(found[0].range, 0..40);
}

#[test]
fn secret_in_reference_default_is_reported() {
    let f = &mut Fake(13);
    let token = format!("ghp_{}", f.alnum(36));
    let value = format!("${{GITHUB_TOKEN:-{token}}}");
    let found = Detector::global().scan_value(Some("GITHUB_TOKEN"), &value);
    assert_eq!(found.len(), 1);
    assert_eq!(&value[found[0].range.clone()], token);
}

#[test]
fn bearer_header_value_reports_the_credential_only() {
    let value = "Bearer q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5";
    let found = Detector::global().scan_value(Some("Authorization"), value);
    assert_eq!(found.len(), 1);
    assert_eq!(
        &value[found[0].range.clone()],
        "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5"
    );
    let text = format!("Authorization: {value}\r\n");
    let found = Detector::global().scan_text(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        &text[found[0].range.clone()],
        "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5"
    );
}
