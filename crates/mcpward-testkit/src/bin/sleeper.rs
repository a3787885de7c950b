//! Sleeps until killed, whatever its arguments: tests start it under any `argv` (via `exec -a`
//! or `arg0`) to stand for a client or a server in the process table.

fn main() {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
