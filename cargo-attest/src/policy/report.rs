//! Rendering findings: human text, JSON, SARIF 2.1.0 (being implemented).
