//! Inputs the fuzz targets in fuzz/ found crashes with, each checked to be refused with an
//! error now. The name says which target found it.

use jixiao::model::Money;
use std::path::Path;

/// budget_csv: an amount in 万元 whose fen do not fit rust_decimal's 96-bit mantissa panicked
/// ("Multiplication overflowed") in `Money::from_yuan` instead of being out of range.
#[test]
fn fuzz_budget_csv_an_amount_too_large_for_a_decimal_is_out_of_range_not_a_panic() {
    let csv = "fund_source,expense_type,project,budget_kind,amount,date,document,reason\n\
               general_public,project,P02,year_start,000000000000300012546535568328097638.65万元,2022-01-01,,年初\n";
    let e = jixiao::import::parse_budget_csv(csv, Path::new("b.csv")).unwrap_err();
    assert!(e.to_string().contains("b.csv:2"), "{e}");
    for s in [
        "300012546535568328097638.65万元",
        "790000000000000000000000000.00",
        "79228162514264337593543950335",
    ] {
        assert!(s.parse::<Money>().is_err(), "{s}");
    }
}
