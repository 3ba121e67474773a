//! What a panic that reaches `main` means and says: a damaged file in the storage engine
//! (exit 1), standard output closed by its reader (quiet, exit 2), or a bug (exit 101).
//!
//! Owns: the panic hook and the message of each case. Must not: catch panics (`main` does).

use crate::messages::text;

/// `error: …` in the language in force.
fn error(message: &str) -> String {
    text("error.prefix", &[("message", &message)])
}

/// What the last panic was: (in the storage engine, payload and place).
static LAST_PANIC: std::sync::Mutex<Option<Panic>> = std::sync::Mutex::new(None);

/// A panic, as the hook saw it.
enum Panic {
    /// In the storage engine: payload and place.
    Engine(String),
    /// Standard output was closed by its reader.
    StdoutClosed,
    /// Anything else: payload and place.
    Other(String),
}

/// The message and exit code of a panic that reached `main`: one in the storage engine is a
/// damaged ledger file (exit 1); any other is a bug (exit 101), said as such.
pub(super) fn panic_message(ledger: Option<&std::path::Path>) -> (Option<String>, u8) {
    let last = LAST_PANIC
        .lock()
        .ok()
        .and_then(|mut g| g.take())
        .unwrap_or_else(|| Panic::Other("unknown panic".into()));
    match (last, ledger) {
        // The reader left early (`jixiao log L | head`): an I/O error, nothing to say.
        (Panic::StdoutClosed, _) => (None, 2),
        (Panic::Engine(what), Some(p)) => (
            Some(error(&text(
                "error.engine_damaged",
                &[("path", &p.display()), ("what", &what)],
            ))),
            1,
        ),
        (Panic::Engine(what), None) => (
            Some(error(&text(
                "error.engine_damaged_unnamed",
                &[("what", &what)],
            ))),
            1,
        ),
        (Panic::Other(what), _) => (
            Some(error(&text("error.internal", &[("what", &what)]))),
            101,
        ),
    }
}

/// The storage engine panics on some damaged files instead of returning an error; the ledger
/// layer catches those panics and reports the file as corrupt (exit 1). This keeps the panic
/// message, meant for the engine's developers, off the user's terminal, and remembers it: a
/// panic that is not caught reaches `main`, which says what it was (see [`panic_message`]).
/// Any other panic is reported as usual too.
///
/// Printing to a closed stdout (`jixiao score L | head`) also panics in the standard library's
/// `println!`; that is not a fault of the program but the reader leaving early, so it ends the
/// command quietly with exit 2 (an I/O error) instead of a panic message and backtrace. It
/// unwinds to `main` rather than exiting on the spot, so that a ledger open for writing is
/// closed properly and not left needing recovery.
pub(super) fn silence_storage_engine_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_engine = info.location().is_some_and(|l| l.file().contains("redb-"));
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        let place = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        let panic = if payload.starts_with("failed printing to stdout") {
            Panic::StdoutClosed
        } else if in_engine {
            Panic::Engine(format!("{payload}{place}"))
        } else {
            default(info);
            Panic::Other(format!("{payload}{place}"))
        };
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(panic);
        }
    }));
}
