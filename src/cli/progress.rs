//! The progress bar of long commands, on stderr, with `indicatif`.
//!
//! Owns: whether a bar is shown (stderr is a terminal, the output is not JSON, the input is
//! large) and drawing it. Must not: be shown where output is read by programs, or change
//! anything a command prints to stdout.

use crate::progress::{Progress, Silent};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// Inputs of fewer entries than this show no bar: they are done before one would be read.
pub(super) const LARGE: u64 = 50_000;

/// A bar on stderr, drawn only while a stage of at least [`LARGE`] entries is under way and
/// cleared when it ends (before the command prints its results) or when dropped.
struct Bar {
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for Bar {
    fn update(&self, stage: &'static str, done: u64, total: u64) {
        if total < LARGE {
            return;
        }
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        if done >= total {
            if let Some(b) = slot.take() {
                b.finish_and_clear();
            }
            return;
        }
        let bar = slot.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let template = crate::messages::text("progress.template", &[]);
            if let Ok(style) = ProgressStyle::with_template(&template) {
                b.set_style(style.progress_chars("=> "));
            }
            b
        });
        // The stage's name in the language in force (`verify` → 校验), or as the library
        // names it when the catalogue has no text for it.
        let label = crate::messages::lookup(&format!("progress.{stage}"))
            .unwrap_or_else(|| stage.to_string());
        if bar.message() != label {
            bar.set_message(label);
        }
        bar.set_length(total);
        bar.set_position(done);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(b) = slot.take()
        {
            b.finish_and_clear();
        }
    }
}

/// What to report progress to: a bar when stderr is a terminal and `json` is false, else
/// nothing.
pub(super) fn progress(json: bool) -> Box<dyn Progress> {
    if json || !std::io::stderr().is_terminal() {
        Box::new(Silent)
    } else {
        Box::new(Bar {
            bar: Mutex::new(None),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::messages::{Lang, text_in};
    use indicatif::ProgressStyle;

    #[test]
    fn the_bar_template_and_stage_names_exist_in_both_languages() {
        for lang in [Lang::En, Lang::Zh] {
            let t = text_in(lang, "progress.template").unwrap();
            assert!(ProgressStyle::with_template(&t).is_ok(), "{t}");
            assert!(t.contains("{bar:30}") && t.contains("{pos}/{len}"), "{t}");
            for stage in ["verify", "parse"] {
                assert!(text_in(lang, &format!("progress.{stage}")).is_some());
            }
        }
    }
}
