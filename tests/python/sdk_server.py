"""A server built on the official MCP Python SDK, for mcpward's integration tests.

Each tool records that it ran (and with which arguments, as the SDK's pydantic models coerced
them) by appending a JSON line to the file named by MCPWARD_TEST_RECORD, so a test can prove
what the server really did, not what the gateway believes it forwarded.
"""

import json
import os

from mcp.server.mcpserver import MCPServer

server = MCPServer("sdk-recorder")


def _record(tool: str, **arguments) -> str:
    with open(os.environ["MCPWARD_TEST_RECORD"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"tool": tool, "arguments": arguments}) + "\n")
    return f"{tool} ran"


@server.tool()
def delete_branch(branch: str, force: bool = False) -> str:
    """Delete a git branch (force-deletes unmerged work when force is true)."""
    return _record("delete_branch", branch=branch, force=force)


@server.tool()
def git_branch(name: str, delete: bool = False) -> str:
    """List branches, or delete one (like a community git server's `git_branch`)."""
    return _record("git_branch", name=name, delete=delete)


@server.tool()
def transfer(amount: int, to: str) -> str:
    """Send money to an account."""
    return _record("transfer", amount=amount, to=to)


@server.tool()
def write_note(path: str, text: str) -> str:
    """Write a note to a file."""
    return _record("write_note", path=path, text=text)


if __name__ == "__main__":
    server.run("stdio")
