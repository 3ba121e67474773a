//! The derivation language of `[derived."NAME"] expr = "..."`: decimal constants, `param.NAME`
//! constants of the rule set, references, `+ − × ÷` with the usual precedence, parentheses,
//! unary minus, and `abs(x)`, `min(a, b, ...)`, `max(a, b, ...)`.
//!
//! Owns: parsing an expression text into an [`Expr`] and evaluating it exactly with the values
//! a caller supplies for its references. Must not: look up recorded data itself.

use super::reference::Reference;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// A parsed expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A constant (a literal or a `param.NAME`).
    Num(Decimal),
    /// A reference to recorded or derived data.
    Ref(Reference),
    /// −x.
    Neg(Box<Expr>),
    /// A binary operation.
    Bin(Op, Box<Expr>, Box<Expr>),
    /// A function call.
    Call(Func, Vec<Expr>),
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// +
    Add,
    /// −
    Sub,
    /// ×
    Mul,
    /// ÷
    Div,
}

/// A function of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// |x|, one argument.
    Abs,
    /// The least of one or more arguments.
    Min,
    /// The greatest of one or more arguments.
    Max,
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalFail<E> {
    /// A reference could not be resolved.
    Input(E),
    /// A denominator was 0 (the text of the denominator).
    DivisionByZero(String),
    /// Arithmetic overflow.
    Overflow,
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(d) => write!(f, "{d}"),
            Expr::Ref(r) => write!(f, "{r}"),
            Expr::Neg(x) => write!(f, "−{}", Paren(x)),
            Expr::Bin(op, a, b) => {
                let sym = match op {
                    Op::Add => "+",
                    Op::Sub => "−",
                    Op::Mul => "×",
                    Op::Div => "/",
                };
                write!(f, "{} {sym} {}", Paren(a), Paren(b))
            }
            Expr::Call(func, args) => {
                let name = match func {
                    Func::Abs => "abs",
                    Func::Min => "min",
                    Func::Max => "max",
                };
                let a: Vec<String> = args.iter().map(ToString::to_string).collect();
                write!(f, "{name}({})", a.join(", "))
            }
        }
    }
}

/// Wraps binary operations in parentheses when printed inside another operation.
struct Paren<'a>(&'a Expr);

impl fmt::Display for Paren<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Expr::Bin(..) => write!(f, "({})", self.0),
            e => write!(f, "{e}"),
        }
    }
}

impl Expr {
    /// Parses an expression; `params` are the rule set's `[params]`. The error gives the
    /// character offset in `text` and what is wrong.
    pub fn parse(text: &str, params: &BTreeMap<String, Decimal>) -> Result<Expr, (usize, String)> {
        let chars: Vec<char> = text.chars().collect();
        let mut p = Parser {
            s: &chars,
            i: 0,
            params,
            made: 0,
            depth: 0,
        };
        let e = p.sum()?;
        p.ws();
        if p.i < chars.len() {
            return Err((p.i, format!("unexpected `{}`", chars[p.i])));
        }
        Ok(e)
    }

    /// Every reference in the expression, in order of appearance.
    #[must_use]
    pub fn references(&self) -> Vec<Reference> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    /// Does the expression divide anywhere (its value is then a ratio)?
    #[must_use]
    pub fn divides(&self) -> bool {
        match self {
            Expr::Num(_) | Expr::Ref(_) => false,
            Expr::Neg(x) => x.divides(),
            Expr::Bin(op, a, b) => *op == Op::Div || a.divides() || b.divides(),
            Expr::Call(_, args) => args.iter().any(Expr::divides),
        }
    }

    fn collect(&self, out: &mut Vec<Reference>) {
        match self {
            Expr::Num(_) => {}
            Expr::Ref(r) => out.push(r.clone()),
            Expr::Neg(x) => x.collect(out),
            Expr::Bin(_, a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect(out)),
        }
    }

    /// Evaluates exactly; `value` supplies each reference's value.
    pub fn eval<E>(
        &self,
        value: &mut dyn FnMut(&Reference) -> Result<Decimal, E>,
    ) -> Result<Decimal, EvalFail<E>> {
        Ok(match self {
            Expr::Num(d) => *d,
            Expr::Ref(r) => value(r).map_err(EvalFail::Input)?,
            Expr::Neg(x) => -x.eval(value)?,
            Expr::Bin(op, a, b) => {
                let (x, y) = (a.eval(value)?, b.eval(value)?);
                match op {
                    Op::Add => x.checked_add(y),
                    Op::Sub => x.checked_sub(y),
                    Op::Mul => x.checked_mul(y),
                    Op::Div => {
                        if y.is_zero() {
                            return Err(EvalFail::DivisionByZero(b.to_string()));
                        }
                        x.checked_div(y)
                    }
                }
                .ok_or(EvalFail::Overflow)?
            }
            Expr::Call(func, args) => {
                let mut vs = Vec::with_capacity(args.len());
                for a in args {
                    vs.push(a.eval(value)?);
                }
                match func {
                    Func::Abs => vs.first().map_or(Decimal::ZERO, |v| v.abs()),
                    Func::Min => vs.into_iter().min().unwrap_or_default(),
                    Func::Max => vs.into_iter().max().unwrap_or_default(),
                }
            }
        })
    }
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    params: &'a BTreeMap<String, Decimal>,
    /// Terms, operators and calls made so far (bounded, so that evaluating and printing,
    /// which recurse over the tree, stay shallow).
    made: usize,
    /// Open parentheses, calls and unary minus around the current position.
    depth: usize,
}

/// Most terms, operators and calls in one expression.
const MAX_PARTS: usize = 256;
/// Deepest nesting of parentheses, calls and unary minus.
const MAX_DEPTH: usize = 32;

type PResult = Result<Expr, (usize, String)>;

impl Parser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_whitespace()) {
            self.i += 1;
        }
    }

    fn count(&mut self) -> Result<(), (usize, String)> {
        self.made += 1;
        if self.made > MAX_PARTS {
            return Err((
                self.i,
                format!(
                    "more than {MAX_PARTS} terms and operators; split it into several derivations"
                ),
            ));
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<(), (usize, String)> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((
                self.i,
                format!("nested more than {MAX_DEPTH} deep; split it into several derivations"),
            ));
        }
        Ok(())
    }

    fn peek(&mut self) -> Option<char> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn sum(&mut self) -> PResult {
        let mut e = self.product()?;
        while let Some(c) = self.peek() {
            let op = match c {
                '+' => Op::Add,
                '-' | '−' => Op::Sub,
                _ => break,
            };
            self.i += 1;
            self.count()?;
            let r = self.product()?;
            e = Expr::Bin(op, Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn product(&mut self) -> PResult {
        let mut e = self.unary()?;
        while let Some(c) = self.peek() {
            let op = match c {
                '*' | '×' => Op::Mul,
                '/' | '÷' => Op::Div,
                _ => break,
            };
            self.i += 1;
            self.count()?;
            let r = self.unary()?;
            e = Expr::Bin(op, Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn unary(&mut self) -> PResult {
        match self.peek() {
            Some('-' | '−') => {
                self.i += 1;
                self.count()?;
                self.enter()?;
                let x = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Neg(Box::new(x)))
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> PResult {
        self.count()?;
        let start = self.i;
        match self.peek() {
            None => Err((self.i, "expected a number, reference or `(`".into())),
            Some('(') => {
                self.i += 1;
                self.enter()?;
                let e = self.sum()?;
                if self.peek() != Some(')') {
                    return Err((self.i, "expected `)`".into()));
                }
                self.i += 1;
                self.depth -= 1;
                Ok(e)
            }
            Some(c) if c.is_ascii_digit() => {
                let b = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    self.i += 1;
                }
                let lit: String = self.s[b..self.i].iter().collect();
                Decimal::from_str_exact(&lit)
                    .map(Expr::Num)
                    .map_err(|_| (b, format!("`{lit}` is not a decimal")))
            }
            Some(_) => {
                let b = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '@' | '-'))
                {
                    self.i += 1;
                }
                let word: String = self.s[b..self.i].iter().collect();
                if word.is_empty() {
                    return Err((b, format!("unexpected `{}`", self.s[b])));
                }
                let func = match word.as_str() {
                    "abs" => Some(Func::Abs),
                    "min" => Some(Func::Min),
                    "max" => Some(Func::Max),
                    _ => None,
                };
                if let Some(func) = func {
                    return self.call(func, b);
                }
                if let Some(name) = word.strip_prefix("param.") {
                    return self
                        .params
                        .get(name)
                        .copied()
                        .map(Expr::Num)
                        .ok_or_else(|| {
                            (b, format!("`param.{name}` is not defined in `[params]`"))
                        });
                }
                if let Some(dash) = word
                    .find("-")
                    .filter(|_| !word.starts_with("budget.progress@"))
                {
                    let after = &word[dash + 1..];
                    if [
                        "indicator.",
                        "fact.",
                        "derived.",
                        "budget.",
                        "score.",
                        "target.",
                        "coefficient.",
                        "param.",
                    ]
                    .iter()
                    .any(|p| after.starts_with(p))
                    {
                        return Err((
                            b,
                            format!(
                                "`{word}` reads as one reference: write spaces around `-` to subtract"
                            ),
                        ));
                    }
                }
                Reference::parse(&word)
                    .map(Expr::Ref)
                    .map_err(|why| (start.max(b), why))
            }
        }
    }

    fn call(&mut self, func: Func, at: usize) -> PResult {
        if self.peek() != Some('(') {
            return Err((self.i, "expected `(` after the function name".into()));
        }
        self.i += 1;
        self.enter()?;
        let mut args = vec![self.sum()?];
        while self.peek() == Some(',') {
            self.i += 1;
            args.push(self.sum()?);
        }
        if self.peek() != Some(')') {
            return Err((self.i, "expected `,` or `)`".into()));
        }
        self.i += 1;
        self.depth -= 1;
        if func == Func::Abs && args.len() != 1 {
            return Err((at, "`abs` takes one argument".into()));
        }
        Ok(Expr::Call(func, args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn eval(text: &str, vals: &[(&str, &str)]) -> Result<Decimal, EvalFail<String>> {
        let params = BTreeMap::from([("limit".to_string(), d("0.05"))]);
        let e = Expr::parse(text, &params).unwrap();
        e.eval(&mut |r: &Reference| {
            vals.iter()
                .find(|(k, _)| *k == r.to_string())
                .map(|(_, v)| d(v))
                .ok_or_else(|| r.to_string())
        })
    }

    #[test]
    fn precedence_functions_and_params() {
        assert_eq!(eval("1 + 2 * 3", &[]).unwrap(), d("7"));
        assert_eq!(eval("(1 + 2) * 3", &[]).unwrap(), d("9"));
        assert_eq!(eval("-2 - -3", &[]).unwrap(), d("1"));
        assert_eq!(
            eval(
                "abs(fact.a - fact.b) / max(fact.b, 1)",
                &[("fact.a", "3"), ("fact.b", "5")]
            )
            .unwrap(),
            d("0.4")
        );
        assert_eq!(eval("min(3, 1, 2) + param.limit", &[]).unwrap(), d("1.05"));
    }

    #[test]
    fn division_by_zero_names_the_denominator() {
        assert_eq!(
            eval("fact.a / (fact.b - 2)", &[("fact.a", "1"), ("fact.b", "2")]),
            Err(EvalFail::DivisionByZero("fact.b − 2".into()))
        );
    }

    #[test]
    fn malformed_expressions_say_where() {
        let p = BTreeMap::new();
        assert!(Expr::parse("1 +", &p).is_err());
        assert!(Expr::parse("abs(1, 2)", &p).is_err());
        assert!(Expr::parse("param.nope", &p).is_err());
        assert!(
            Expr::parse("fact.a-fact.b", &p)
                .unwrap_err()
                .1
                .contains("spaces")
        );
        assert_eq!(Expr::parse("(1", &p).unwrap_err().0, 2);
        assert!(Expr::parse("budget.progress@2022-06-30 * 2", &p).is_ok());
    }

    #[test]
    fn size_and_nesting_are_bounded() {
        let p = BTreeMap::new();
        let deep = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(Expr::parse(&deep, &p).unwrap_err().1.contains("nested"));
        let negs = format!("{}1", "-".repeat(100_000));
        assert!(Expr::parse(&negs, &p).is_err());
        let long = vec!["1"; 100_000].join(" + ");
        assert!(Expr::parse(&long, &p).unwrap_err().1.contains("terms"));
        let calls = format!("{}1{}", "abs(".repeat(1000), ")".repeat(1000));
        assert!(Expr::parse(&calls, &p).is_err());
        let fine = format!("{}1{}", "(".repeat(30), ")".repeat(30));
        assert!(Expr::parse(&fine, &p).is_ok());
    }

    #[test]
    fn knows_whether_it_divides() {
        let p = BTreeMap::new();
        assert!(Expr::parse("max(fact.a / 2, 1)", &p).unwrap().divides());
        assert!(
            !Expr::parse("abs(fact.a - fact.b) * 2", &p)
                .unwrap()
                .divides()
        );
    }

    #[test]
    fn prints_back_readably() {
        let e = Expr::parse("abs(fact.a - target.x) / target.x", &BTreeMap::new()).unwrap();
        assert_eq!(e.to_string(), "abs(fact.a − target.x) / target.x");
    }
}
