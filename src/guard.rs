//! Containment for third-party parsers that can panic on hostile input (pep508_rs 0.9 slices
//! strings inside multi-byte characters on some malformed markers). `contain` turns such a
//! panic into `None` without printing a panic message or backtrace: for the user, bad input is
//! an error naming the file and line, never a crash report.

use std::cell::Cell;
use std::panic::{catch_unwind, UnwindSafe};
use std::sync::Once;

thread_local! {
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Run `f`; a panic inside it yields `None` and prints nothing. Panics elsewhere (on other
/// threads, or outside `contain`) still reach the previous panic hook.
pub fn contain<T>(f: impl FnOnce() -> T + UnwindSafe) -> Option<T> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = CONTAINED.with(|c| c.replace(true));
    let result = catch_unwind(f);
    CONTAINED.with(|c| c.set(was));
    result.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contained_panic_is_none_and_normal_results_pass_through() {
        assert_eq!(contain(|| 41 + 1), Some(42));
        let r: Option<()> = contain(|| panic!("hostile input"));
        assert!(r.is_none());
        // Containment ends with the call.
        assert!(!CONTAINED.with(Cell::get));
    }

    #[test]
    fn the_marker_that_panics_pep508_is_contained() {
        use std::str::FromStr;
        let r = contain(|| pep508_rs::MarkerTree::from_str("python_version < '3' 'éé'"));
        // Either a clean parse error or a contained panic; never an uncontained one.
        assert!(r.is_none_or(|parsed| parsed.is_err()));
    }
}
