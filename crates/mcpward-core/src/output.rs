//! Rendering findings: human (code frames), JSON and SARIF. The only module that prints findings.
