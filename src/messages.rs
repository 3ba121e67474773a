//! The message catalogue: which language the user reads (Chinese or English) and the texts
//! in it, kept in `locales/*.yml` and compiled in with `rust-i18n`.
//!
//! Owns: choosing the language (`--lang`, else `LC_ALL`, `LC_MESSAGES`, `LANG`), looking
//! texts up by key, and putting a text the library worded in English (a verify detail, a cell's
//! complaint, an entry summary) into the language in force by the catalogue's forms of it
//! ([`localize`]). Must not: print, or decide what a command says (callers pick the key and
//! fill its fields); report labels have their own table (`report::lang`).

use std::borrow::Cow;
use std::ffi::OsString;
use std::sync::OnceLock;

/// A language the catalogue speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// 中文 (简体).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh`, `zh-CN`, `zh_CN.UTF-8`, `chinese` → Chinese; `en`, `en_US`, `C`, `POSIX` →
    /// English; anything else is not a language the catalogue has.
    #[must_use]
    pub fn parse(s: &str) -> Option<Lang> {
        let l = s.trim().to_ascii_lowercase();
        if l.starts_with("zh") || l == "chinese" || l == "中文" {
            Some(Lang::Zh)
        } else if l.starts_with("en") || l == "c" || l.starts_with("c.") || l == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The catalogue's locale name.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The language of the environment: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is
    /// set and not empty; Chinese if it names Chinese (`zh_CN.UTF-8`), English otherwise.
    #[must_use]
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
            .map_or(Lang::En, |v| {
                if v.to_ascii_lowercase().starts_with("zh") {
                    Lang::Zh
                } else {
                    Lang::En
                }
            })
    }

    /// The language a command line asks for: the value of its first `--lang X` or
    /// `--lang=X` (before a `--`) when it is one the catalogue has, else the environment's.
    #[must_use]
    pub fn from_args(args: &[OsString]) -> Lang {
        let mut it = args.iter().skip(1).map(|a| a.to_string_lossy());
        while let Some(a) = it.next() {
            if a == "--" {
                break;
            }
            let value = if a == "--lang" {
                it.next()
            } else if let Some(v) = a.strip_prefix("--lang=") {
                Some(Cow::Owned(v.to_string()))
            } else {
                continue;
            };
            if let Some(l) = value.as_deref().and_then(Lang::parse) {
                return l;
            }
        }
        Lang::from_env()
    }
}

/// Makes `lang` the language of every later [`text`] and `t!`.
pub fn set_lang(lang: Lang) {
    rust_i18n::set_locale(lang.code());
}

/// The language in force.
#[must_use]
pub fn lang() -> Lang {
    if rust_i18n::locale().starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// The text of `key` in the language in force, or `None` if the catalogue has no such key
/// (in that language or in English).
#[must_use]
pub fn lookup(key: &str) -> Option<String> {
    crate::_rust_i18n_try_translate(&rust_i18n::locale(), key).map(Cow::into_owned)
}

/// The text of `key` in the language in force with each `%{name}` replaced by its value.
/// A key the catalogue lacks yields the key itself, so that a missing text shows which.
#[must_use]
pub fn text(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut s = lookup(key).unwrap_or_else(|| key.to_string());
    for (name, value) in args {
        s = s.replace(&format!("%{{{name}}}"), &value.to_string());
    }
    s
}

/// Every key of the catalogue with its text in each language, sorted by key (for the test
/// that every text exists in both languages with the same fields).
#[must_use]
pub fn catalogue_keys() -> Vec<String> {
    let mut keys: Vec<String> = crate::_rust_i18n_backend()
        .available_locales()
        .iter()
        .flat_map(|l| {
            crate::_rust_i18n_backend()
                .messages_for_locale(l)
                .unwrap_or_default()
        })
        .map(|(k, _)| k.into_owned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The text of `key` in `lang` only (no fallback), for checking the catalogue.
#[must_use]
pub fn text_in(lang: Lang, key: &str) -> Option<String> {
    crate::_rust_i18n_backend()
        .translate(lang.code(), key)
        .map(Cow::into_owned)
}

/// `english`, a text the library built in English (a verify failure's detail, a cell's
/// complaint, an entry's summary), in the language in force: the first text of catalogue
/// section `section` (keys `section.*`, the most specific first) whose English words match it
/// is given in that language, its fields filled with the values `english` had there (the
/// value of a field that holds a text — `%{detail}`, `%{error}`, `%{why}` … — itself put the
/// same way).
/// A text no template matches, and every text under English, is returned as it is.
#[must_use]
pub fn localize(section: &str, english: &str) -> String {
    match lang() {
        Lang::En => english.to_string(),
        l => localize_in(l, section, english),
    }
}

/// [`localize`] in `lang`.
#[must_use]
pub fn localize_in(lang: Lang, section: &str, english: &str) -> String {
    put(lang, templates(lang, section), english, 0)
}

/// The sections of texts the library words in English; a field of a template named after
/// one (`%{detail}`) holds a text of that section.
const SECTIONS: [&str; 5] = ["detail", "cell", "formula", "summary", "bureau"];

/// The fields that hold another text of the template's own section (`storage: %{error}`,
/// `correct #%{seq}: %{reason} → %{replacement}`); any other field is a value, kept as it is.
const NESTED: [&str; 8] = [
    "error",
    "why",
    "what",
    "form",
    "forms",
    "replacement",
    "recompute",
    "trust",
];

/// The (English, `lang`) texts of section `section` (one of [`SECTIONS`]; none for another),
/// the most specific first (more literal words, then the key order); read from the catalogue
/// once, since `log` puts every entry's summary.
fn templates(lang: Lang, section: &str) -> &'static [(String, String)] {
    type Forms = Vec<(Lang, &'static str, Vec<(String, String)>)>;
    static CACHE: OnceLock<Forms> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        let keys = catalogue_keys();
        let mut all = Vec::new();
        for l in [Lang::Zh, Lang::En] {
            for section in SECTIONS {
                let prefix = format!("{section}.");
                let mut found: Vec<(String, String)> = keys
                    .iter()
                    .filter(|k| k.starts_with(&prefix))
                    .filter_map(|k| Some((text_in(Lang::En, k)?, text_in(l, k)?)))
                    .collect();
                found.sort_by_key(|(en, _)| std::cmp::Reverse(literal_len(en)));
                all.push((l, section, found));
            }
        }
        all
    });
    all.iter()
        .find(|(l, s, _)| *l == lang && *s == section)
        .map_or(&[], |(_, _, f)| f.as_slice())
}

/// The longest text put in another language (longer ones, which no library text is, stay as
/// they are), and the most steps spent matching it against one form.
const MAX_LEN: usize = 8 * 1024;
const MAX_STEPS: usize = 2_000;

fn put(lang: Lang, templates: &[(String, String)], english: &str, depth: usize) -> String {
    if depth > 4 || english.len() > MAX_LEN {
        return english.to_string();
    }
    for (en, there) in templates {
        if !ends_fit(en, english) {
            continue;
        }
        let tokens = tokens_of(en);
        let mut caps = Vec::new();
        let (mut strict, mut loose) = (MAX_STEPS, MAX_STEPS);
        if literal_len(en) > 0
            && (matches(&tokens, english, &mut caps, true, &mut strict)
                || matches(&tokens, english, &mut caps, false, &mut loose))
        {
            let mut out = String::new();
            for t in tokens_of(there) {
                match t {
                    Token::Lit(l) => out.push_str(l),
                    Token::Field(name) => {
                        let v = caps
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map_or("", |(_, v)| *v);
                        let inner = if SECTIONS.contains(&name) {
                            put(lang, self::templates(lang, name), v, depth + 1)
                        } else if NESTED.contains(&name) {
                            put(lang, templates, v, depth + 1)
                        } else {
                            v.to_string()
                        };
                        out.push_str(&inner);
                    }
                }
            }
            return out;
        }
    }
    english.to_string()
}

/// A piece of a template: words, or a `%{name}` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    Lit(&'a str),
    Field(&'a str),
}

fn tokens_of(template: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("%{") {
        match rest[i + 2..].find('}') {
            Some(j) => {
                if i > 0 {
                    out.push(Token::Lit(&rest[..i]));
                }
                out.push(Token::Field(&rest[i + 2..i + 2 + j]));
                rest = &rest[i + 3 + j..];
            }
            None => break,
        }
    }
    if !rest.is_empty() {
        out.push(Token::Lit(rest));
    }
    out
}

fn literal_len(template: &str) -> usize {
    tokens_of(template)
        .iter()
        .map(|t| match t {
            Token::Lit(l) => l.len(),
            Token::Field(_) => 0,
        })
        .sum()
}

/// Whether `s` is `tokens` with some value in each field (the shortest that lets the rest
/// match; a field named twice has the same value both times); `caps` gets the values. When
/// `balanced`, only values whose brackets pair up: `name (9 bytes)` with `name` =
/// `规则 (试行)` takes the name's own brackets with it.
fn matches<'a>(
    tokens: &[Token<'a>],
    s: &'a str,
    caps: &mut Vec<(&'a str, &'a str)>,
    balanced: bool,
    steps: &mut usize,
) -> bool {
    // A text that leaves too many ways to split it is left as it is.
    if *steps == 0 {
        return false;
    }
    *steps -= 1;
    let Some((first, rest)) = tokens.split_first() else {
        return s.is_empty();
    };
    match *first {
        Token::Lit(l) => s
            .strip_prefix(l)
            .is_some_and(|after| matches(rest, after, caps, balanced, steps)),
        Token::Field(name) => {
            let ends: Vec<usize> = match rest.first() {
                None => vec![s.len()],
                Some(Token::Lit(l)) => s.match_indices(l).map(|(i, _)| i).collect(),
                // Two fields side by side: the first takes nothing it need not.
                Some(Token::Field(_)) => s.char_indices().map(|(i, _)| i).collect(),
            };
            for end in ends {
                let value = &s[..end];
                if balanced && !brackets_pair(value) {
                    continue;
                }
                if caps.iter().any(|(n, v)| *n == name && *v != value) {
                    continue;
                }
                let mark = caps.len();
                caps.push((name, value));
                if matches(rest, &s[end..], caps, balanced, steps) {
                    return true;
                }
                caps.truncate(mark);
            }
            false
        }
    }
}

/// Whether `s` begins with the words before `template`'s first field and ends with those after
/// its last (a quick test, before matching it whole).
fn ends_fit(template: &str, s: &str) -> bool {
    match (template.find("%{"), template.rfind('}')) {
        (Some(first), Some(last)) if last > first => {
            let (head, tail) = (&template[..first], &template[last + 1..]);
            s.len() >= head.len() + tail.len() && s.starts_with(head) && s.ends_with(tail)
        }
        _ => template == s,
    }
}

/// Whether every bracket of `s` — `()`, `（）`, `[]`, `«»` — is closed in order.
fn brackets_pair(s: &str) -> bool {
    let mut open = Vec::new();
    for c in s.chars() {
        match c {
            '(' | '（' | '[' | '«' => open.push(c),
            ')' | '）' | ']' | '»' => {
                let want = match c {
                    ')' => '(',
                    '）' => '（',
                    ']' => '[',
                    _ => '«',
                };
                if open.pop() != Some(want) {
                    return false;
                }
            }
            _ => {}
        }
    }
    open.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `%{name}` fields of a text, sorted.
    fn fields(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s
            .split("%{")
            .skip(1)
            .filter_map(|p| p.split('}').next())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn every_text_is_in_both_languages_with_the_same_fields() {
        let keys = catalogue_keys();
        assert!(keys.len() > 60, "{} keys", keys.len());
        for k in &keys {
            let en = text_in(Lang::En, k).unwrap_or_else(|| panic!("{k}: no English"));
            let zh = text_in(Lang::Zh, k).unwrap_or_else(|| panic!("{k}: no Chinese"));
            assert_eq!(fields(&en), fields(&zh), "{k}");
            if !k.starts_with("help.template") {
                assert_ne!(en, zh, "{k}: not translated");
            }
        }
    }

    #[test]
    fn the_language_comes_from_lang_first_then_the_locale() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            Lang::from_args(&args(&["jixiao", "--lang", "zh", "log"])),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_args(&args(&["jixiao", "log", "--lang=en"])),
            Lang::En
        );
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("C.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        // After `--` nothing is an option.
        assert_eq!(
            Lang::from_args(&args(&["jixiao", "--", "--lang", "zh"])),
            Lang::from_env()
        );
    }

    #[test]
    fn the_english_input_refusals_are_the_parse_errors_words() {
        use crate::model::ParseError as P;
        for (key, e) in [
            ("input.not_a_number", P::NotANumber("x".into())),
            ("input.too_precise", P::TooPrecise("x".into())),
            ("input.out_of_range", P::OutOfRange("x".into())),
            ("input.not_a_date", P::NotADate("x".into())),
        ] {
            let en = text_in(Lang::En, key).unwrap().replace("%{value}", "x");
            assert_eq!(en, e.to_string(), "{key}");
        }
    }

    #[test]
    fn an_english_text_is_put_in_the_language_its_template_matches() {
        let zh = |s: &str| localize_in(Lang::Zh, "detail", s);
        assert_eq!(
            zh("prev does not match the hash of the entry before: the chain is broken"),
            text_in(Lang::Zh, "detail.broken_chain").unwrap()
        );
        // Fields keep their values; a text that matches nothing stays as it is.
        assert_eq!(
            zh("author ab12 differs from the batch signer cd34"),
            "作者 ab12 与批次签名者 cd34 不同"
        );
        assert_eq!(zh("no such words"), "no such words");
        assert_eq!(
            localize_in(
                Lang::En,
                "detail",
                "author a differs from the batch signer b"
            ),
            "author a differs from the batch signer b"
        );
        // One text inside another.
        assert_eq!(
            zh(
                "table `derived`: the ledger has no entries but a derived state; if this is the only failure, `jixiao verify LEDGER --rebuild-derived` rebuilds it from the entries"
            ),
            format!(
                "表 `derived`：{}；若这是唯一的失败，`jixiao verify LEDGER --rebuild-derived` 会从条目重建它",
                text_in(Lang::Zh, "detail.derived_none_but_state").unwrap()
            )
        );
    }

    #[test]
    fn every_form_of_every_section_is_found_again_from_its_english() {
        let fill = |t: &str| {
            tokens_of(t)
                .iter()
                .map(|x| match x {
                    Token::Lit(l) => (*l).to_string(),
                    Token::Field(n) => format!("<{n}>"),
                })
                .collect::<String>()
        };
        for section in SECTIONS {
            let forms = templates(Lang::Zh, section);
            assert!(forms.len() > 5, "{section}: {} forms", forms.len());
            for (en, zh) in forms.iter() {
                assert!(literal_len(en) > 0, "{section}: {en}");
                // No other form takes this one's text: each is reached from its own English.
                assert_eq!(
                    localize_in(Lang::Zh, section, &fill(en)),
                    fill(zh),
                    "{section}: {en}"
                );
            }
        }
    }

    #[test]
    fn a_text_too_long_is_left_as_it_is_and_fields_take_the_least() {
        let zh = |s: &str| localize_in(Lang::Zh, "summary", s);
        assert_eq!(zh("adjust n by 1: r"), "调整 n 1：r");
        let long = format!("adjust n by 1: {}", "r".repeat(MAX_LEN));
        assert_eq!(zh(&long), long);
        // Each field takes the least it can: the rest goes to the next.
        let few = "budget k l: l: 1 元 on d";
        assert_eq!(zh(few), "预算 k l：l: 1 元，日期 d");
    }

    #[test]
    fn fields_are_filled_and_a_missing_key_shows_itself() {
        set_lang(Lang::En);
        assert_eq!(
            text("append.score_now", &[("total", &"99.96")]),
            "score now 99.96"
        );
        assert_eq!(text("no.such.key", &[]), "no.such.key");
    }
}
