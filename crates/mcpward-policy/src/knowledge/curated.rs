/// Curated read-only tool: the source of the claim, or `None`.
pub fn curated_read_only(server_id: &str, tool: &str) -> Option<&'static str> {
    let _ = (server_id, tool);
    None
}
