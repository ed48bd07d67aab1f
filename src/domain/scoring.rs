//! Bid scoring and ranking (DOMAIN §5), pure and in `Decimal` (never `f64`).
//!
//! **综合评分法 with the 低价优先法 price score** ([`AwardMethod::Comprehensive`]):
//! - benchmark = the lowest price among the bids given (the caller passes only the
//!   qualified ones);
//! - `price_score = benchmark / price × weight × 100`, rounded half-up to 2 decimals, so the
//!   benchmark bid gets the whole `weight × 100` (30.00 at weight 0.30);
//! - `technical_score` = the mean of the evaluators' totals, rounded half-up to 2 decimals
//!   (0.00 while no evaluator has scored);
//! - `total = price_score + technical_score` — the sum of the two rounded scores, so the
//!   published figures add up;
//! - order: total descending; ties: lower price, then higher technical score, then `bid_id`
//!   ascending.
//!
//! **最低评标价法** ([`AwardMethod::LowestPrice`]): order by price ascending, ties by `bid_id`
//! ascending. There is no weighted price score in this method; for the ranking table the
//! bid's `price_score` is `benchmark / price × 100` (100.00 for the lowest price) and
//! `total = price_score`, so totals never contradict the order; `technical_score` is shown
//! for information (the mean of any evaluators' totals, else 0.00) and counts for nothing.
//!
//! Every bid gets a distinct rank `1..=n`. Bids equal on every criterion the law names
//! (得分且投标报价相同) are ranked by `bid_id` ascending, i.e. the earlier bid first; the
//! law would list them as tied (并列), so an officer awarding such a bid should know that
//! the order between them is this convention, not a result of evaluation.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde::Serialize;

use super::grades::{mean_half_up, round_score};

/// One qualified bid with what its ranking needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidForScoring {
    /// The bid.
    pub bid_id: i64,
    /// The bidder.
    pub contractor_id: i64,
    /// The bid price in yuan; positive (bids are validated on submission).
    pub price: Decimal,
    /// One total per evaluator who has scored the bid: the sum of that evaluator's
    /// criterion points.
    pub technical_scores: Vec<Decimal>,
}

/// How the winning bid is chosen (`award_method` of the tender).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwardMethod {
    /// 综合评分法 with the 低价优先法 price score. `price_weight` is a fraction: 0.30 for 30%
    /// (services allow 0.10–0.30; the tender checks the range against config).
    Comprehensive {
        /// Weight of the price score, as a fraction of 100 points.
        price_weight: Decimal,
    },
    /// 最低评标价法: the lowest price wins.
    LowestPrice,
}

impl AwardMethod {
    /// API and stored code: `comprehensive` or `lowest_price`.
    pub fn as_str(&self) -> &'static str {
        match self {
            AwardMethod::Comprehensive { .. } => "comprehensive",
            AwardMethod::LowestPrice => "lowest_price",
        }
    }

    /// The method for a stored code and the tender's price weight (ignored for
    /// `lowest_price`); `None` for an unknown code.
    pub fn from_parts(code: &str, price_weight: Decimal) -> Option<Self> {
        match code {
            "comprehensive" => Some(AwardMethod::Comprehensive { price_weight }),
            "lowest_price" => Some(AwardMethod::LowestPrice),
            _ => None,
        }
    }
}

/// One row of the ranking (`GET /api/v1/projects/{id}/ranking`). Scores have 2 decimals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankedBid {
    /// The bid.
    pub bid_id: i64,
    /// The bidder.
    pub contractor_id: i64,
    /// The bid price in yuan.
    pub price: Decimal,
    /// Price score (see the module documentation for each method).
    pub price_score: Decimal,
    /// Mean of the evaluators' totals; 0.00 when nobody has scored.
    pub technical_score: Decimal,
    /// What the bids are ranked by (with the tie-breaks).
    pub total: Decimal,
    /// 1 for the best bid; distinct for every bid.
    pub rank: u32,
}

/// Scores and ranks the qualified bids under `method`, best first (rank 1). An empty slice
/// gives an empty ranking.
pub fn rank(bids: &[BidForScoring], method: &AwardMethod) -> Vec<RankedBid> {
    let Some(benchmark) = bids.iter().map(|bid| bid.price).min() else {
        return Vec::new();
    };
    let hundred = Decimal::ONE_HUNDRED;
    let mut rows: Vec<RankedBid> = bids
        .iter()
        .map(|bid| {
            let technical_score =
                mean_half_up(&bid.technical_scores).unwrap_or_else(|| round_score(Decimal::ZERO));
            let (price_score, total) = match method {
                AwardMethod::Comprehensive { price_weight } => {
                    let full_marks = price_weight.checked_mul(hundred).unwrap_or(Decimal::ZERO);
                    let price_score = price_score(benchmark, bid.price, full_marks);
                    (price_score, price_score.saturating_add(technical_score))
                }
                AwardMethod::LowestPrice => {
                    let price_score = price_score(benchmark, bid.price, hundred);
                    (price_score, price_score)
                }
            };
            RankedBid {
                bid_id: bid.bid_id,
                contractor_id: bid.contractor_id,
                price: bid.price,
                price_score,
                technical_score,
                total,
                rank: 0,
            }
        })
        .collect();
    match method {
        AwardMethod::Comprehensive { .. } => rows.sort_by(comprehensive_order),
        AwardMethod::LowestPrice => rows.sort_by(lowest_price_order),
    }
    for (row, rank) in rows.iter_mut().zip(1u32..) {
        row.rank = rank;
    }
    rows
}

/// Whether a bid's technical scoring is complete: exactly one total from each member of a
/// panel that has been formed (`panel_size > 0`).
pub fn technical_complete(scores_per_bid: usize, panel_size: usize) -> bool {
    panel_size > 0 && scores_per_bid == panel_size
}

/// `benchmark / price × full_marks`, rounded half-up to 2 decimals. Multiplies before
/// dividing so that a terminating quotient (the only kind that can sit exactly on a
/// rounding midpoint) is computed exactly. A zero price (refused on submission) or an
/// overflow (unreachable for prices that fit the database's `i64` 分 and weights ≤ 1)
/// scores 0.00 rather than panicking.
fn price_score(benchmark: Decimal, price: Decimal, full_marks: Decimal) -> Decimal {
    let score = benchmark
        .checked_mul(full_marks)
        .and_then(|numerator| numerator.checked_div(price))
        .unwrap_or(Decimal::ZERO);
    round_score(score)
}

/// 综合评分法: total descending, then lower price, then higher technical score, then
/// `bid_id` ascending.
fn comprehensive_order(a: &RankedBid, b: &RankedBid) -> Ordering {
    b.total
        .cmp(&a.total)
        .then_with(|| a.price.cmp(&b.price))
        .then_with(|| b.technical_score.cmp(&a.technical_score))
        .then_with(|| a.bid_id.cmp(&b.bid_id))
}

/// 最低评标价法: price ascending, then `bid_id` ascending.
fn lowest_price_order(a: &RankedBid, b: &RankedBid) -> Ordering {
    a.price.cmp(&b.price).then_with(|| a.bid_id.cmp(&b.bid_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn bid(bid_id: i64, price: Decimal, technical: &[Decimal]) -> BidForScoring {
        BidForScoring {
            bid_id,
            contractor_id: bid_id * 10,
            price,
            technical_scores: technical.to_vec(),
        }
    }

    fn comprehensive(weight: Decimal) -> AwardMethod {
        AwardMethod::Comprehensive {
            price_weight: weight,
        }
    }

    fn find(rows: &[RankedBid], bid_id: i64) -> &RankedBid {
        rows.iter()
            .find(|r| r.bid_id == bid_id)
            .expect("the bid is ranked")
    }

    /// (bid_id, rank) in ranking order.
    fn order(rows: &[RankedBid]) -> Vec<(i64, u32)> {
        rows.iter().map(|r| (r.bid_id, r.rank)).collect()
    }

    #[test]
    fn worked_example_weight_030() {
        let bids = [
            bid(1, dec!(900000.00), &[dec!(60)]),
            bid(2, dec!(1000000.00), &[dec!(60)]),
            bid(3, dec!(950000.00), &[dec!(60)]),
        ];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(find(&rows, 1).price_score.to_string(), "30.00");
        assert_eq!(find(&rows, 2).price_score.to_string(), "27.00");
        // 900000 / 950000 × 30 = 28.4210…
        assert_eq!(find(&rows, 3).price_score.to_string(), "28.42");
        assert_eq!(find(&rows, 3).total.to_string(), "88.42");
        assert_eq!(order(&rows), [(1, 1), (3, 2), (2, 3)]);
        assert_eq!(find(&rows, 2).contractor_id, 20);
        assert_eq!(find(&rows, 2).price, dec!(1000000.00));
    }

    #[test]
    fn technical_score_can_outweigh_price() {
        let bids = [
            bid(1, dec!(900000.00), &[dec!(50), dec!(52), dec!(54)]),
            bid(2, dec!(1000000.00), &[dec!(68), dec!(70), dec!(69)]),
            bid(3, dec!(950000.00), &[dec!(60), dec!(61), dec!(60)]),
        ];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        // 1: 30.00 + 52.00; 2: 27.00 + 69.00; 3: 28.42 + 60.33.
        assert_eq!(
            rows.iter()
                .map(|r| (
                    r.bid_id,
                    r.technical_score.to_string(),
                    r.total.to_string(),
                    r.rank
                ))
                .collect::<Vec<_>>(),
            [
                (2, "69.00".to_owned(), "96.00".to_owned(), 1),
                (3, "60.33".to_owned(), "88.75".to_owned(), 2),
                (1, "52.00".to_owned(), "82.00".to_owned(), 3),
            ]
        );
    }

    #[test]
    fn weight_010() {
        let bids = [
            bid(1, dec!(900000.00), &[dec!(80)]),
            bid(2, dec!(1000000.00), &[dec!(80)]),
            bid(3, dec!(950000.00), &[dec!(80)]),
        ];
        let rows = rank(&bids, &comprehensive(dec!(0.10)));
        assert_eq!(find(&rows, 1).price_score.to_string(), "10.00");
        assert_eq!(find(&rows, 2).price_score.to_string(), "9.00");
        // 900000 / 950000 × 10 = 9.4736…
        assert_eq!(find(&rows, 3).price_score.to_string(), "9.47");
        assert_eq!(find(&rows, 3).total.to_string(), "89.47");
        assert_eq!(order(&rows), [(1, 1), (3, 2), (2, 3)]);
    }

    #[test]
    fn price_score_rounds_half_up_at_the_midpoint() {
        // 937500 / 1000000 × 30 = 28.125 exactly → 28.13 (banker's would give 28.12).
        // 812500 / 1000000 × 10 = 8.125 exactly → 8.13.
        let bids = [bid(1, dec!(937500.00), &[]), bid(2, dec!(1000000.00), &[])];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(find(&rows, 2).price_score.to_string(), "28.13");
        let bids = [bid(1, dec!(812500.00), &[]), bid(2, dec!(1000000.00), &[])];
        let rows = rank(&bids, &comprehensive(dec!(0.10)));
        assert_eq!(find(&rows, 2).price_score.to_string(), "8.13");
    }

    #[test]
    fn technical_score_rounds_half_up_at_the_midpoint() {
        // Evaluators' totals 80.25 and 80.00: mean 80.125 → 80.13.
        let bids = [bid(1, dec!(500000.00), &[dec!(80.25), dec!(80.00)])];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(rows[0].technical_score.to_string(), "80.13");
        assert_eq!(rows[0].total.to_string(), "110.13");
    }

    #[test]
    fn total_is_the_sum_of_the_rounded_scores() {
        // price 28.125 → 28.13 and technical 60.125 → 60.13: total 88.26, not
        // round(88.25) = 88.25.
        let bids = [
            bid(1, dec!(937500.00), &[dec!(60)]),
            bid(2, dec!(1000000.00), &[dec!(60.25), dec!(60.00)]),
        ];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(find(&rows, 2).total.to_string(), "88.26");
    }

    #[test]
    fn equal_totals_rank_the_lower_price_first() {
        // 1: 27.00 + 63.00 = 90.00 at ¥1,000,000; 2: 30.00 + 60.00 = 90.00 at ¥900,000.
        // The lower price wins although bid 1 has the higher technical score and lower id.
        let bids = [
            bid(1, dec!(1000000.00), &[dec!(63)]),
            bid(2, dec!(900000.00), &[dec!(60)]),
        ];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(find(&rows, 1).total, find(&rows, 2).total);
        assert_eq!(order(&rows), [(2, 1), (1, 2)]);
    }

    #[test]
    fn equal_totals_and_prices_rank_the_higher_technical_first() {
        // In `rank` an equal price means an equal price score, so equal totals at equal
        // prices imply equal technical scores; the rule is checked on the comparator.
        let row = |bid_id, technical: Decimal| RankedBid {
            bid_id,
            contractor_id: bid_id,
            price: dec!(900000.00),
            price_score: dec!(30.00),
            technical_score: technical,
            total: dec!(90.00),
            rank: 0,
        };
        let low = row(1, dec!(59.00));
        let high = row(2, dec!(60.00));
        assert_eq!(comprehensive_order(&high, &low), Ordering::Less);
        assert_eq!(comprehensive_order(&low, &high), Ordering::Greater);
        let mut rows = [low, high];
        rows.sort_by(comprehensive_order);
        assert_eq!(rows[0].bid_id, 2);
    }

    #[test]
    fn full_ties_rank_by_bid_id() {
        let bids = [
            bid(7, dec!(900000.00), &[dec!(60)]),
            bid(3, dec!(900000.00), &[dec!(60)]),
            bid(5, dec!(900000.00), &[dec!(60)]),
        ];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(order(&rows), [(3, 1), (5, 2), (7, 3)]);
        assert!(rows.iter().all(|r| r.total == dec!(90.00)));
    }

    #[test]
    fn a_single_bid_gets_full_price_marks() {
        let bids = [bid(9, dec!(1234567.89), &[dec!(70), dec!(71), dec!(72)])];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.rank, 1);
        assert_eq!(row.price_score.to_string(), "30.00");
        assert_eq!(row.technical_score.to_string(), "71.00");
        assert_eq!(row.total.to_string(), "101.00");

        let rows = rank(&bids, &AwardMethod::LowestPrice);
        assert_eq!(rows[0].rank, 1);
        assert_eq!(rows[0].price_score.to_string(), "100.00");
        assert_eq!(rows[0].total.to_string(), "100.00");
    }

    #[test]
    fn no_bids_no_ranking() {
        assert!(rank(&[], &comprehensive(dec!(0.30))).is_empty());
        assert!(rank(&[], &AwardMethod::LowestPrice).is_empty());
    }

    #[test]
    fn unscored_bids_have_zero_technical_score() {
        let bids = [bid(1, dec!(1000000.00), &[]), bid(2, dec!(900000.00), &[])];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(find(&rows, 1).technical_score.to_string(), "0.00");
        assert_eq!(find(&rows, 1).total.to_string(), "27.00");
        assert_eq!(order(&rows), [(2, 1), (1, 2)]);
    }

    #[test]
    fn lowest_price_ranks_by_price_alone() {
        let bids = [
            bid(1, dec!(950000.00), &[dec!(90)]),
            bid(2, dec!(1000000.00), &[dec!(95)]),
            bid(3, dec!(900000.00), &[dec!(40)]),
            bid(4, dec!(950000.00), &[dec!(99)]),
        ];
        let rows = rank(&bids, &AwardMethod::LowestPrice);
        // Technical scores count for nothing; equal prices go by bid_id.
        assert_eq!(order(&rows), [(3, 1), (1, 2), (4, 3), (2, 4)]);
        assert_eq!(find(&rows, 3).price_score.to_string(), "100.00");
        // 900000 / 950000 × 100 = 94.7368…
        assert_eq!(find(&rows, 1).price_score.to_string(), "94.74");
        assert_eq!(find(&rows, 2).price_score.to_string(), "90.00");
        assert!(rows.iter().all(|r| r.total == r.price_score));
        assert_eq!(find(&rows, 4).technical_score.to_string(), "99.00");
        let unscored = rank(&[bid(1, dec!(10.00), &[])], &AwardMethod::LowestPrice);
        assert_eq!(unscored[0].technical_score.to_string(), "0.00");
    }

    #[test]
    fn zero_price_does_not_panic() {
        let bids = [bid(1, dec!(0), &[dec!(50)]), bid(2, dec!(10), &[dec!(60)])];
        let rows = rank(&bids, &comprehensive(dec!(0.30)));
        assert_eq!(find(&rows, 1).price_score.to_string(), "0.00");
        assert_eq!(find(&rows, 2).price_score.to_string(), "0.00");
        assert_eq!(order(&rows), [(2, 1), (1, 2)]);
    }

    #[test]
    fn technical_complete_needs_every_panel_member() {
        assert!(technical_complete(3, 3));
        assert!(!technical_complete(2, 3));
        assert!(!technical_complete(4, 3));
        assert!(!technical_complete(0, 0));
        assert!(!technical_complete(0, 3));
    }

    #[test]
    fn award_method_codes() {
        let weight = dec!(0.30);
        for method in [comprehensive(weight), AwardMethod::LowestPrice] {
            assert_eq!(
                AwardMethod::from_parts(method.as_str(), weight),
                Some(method)
            );
        }
        assert_eq!(AwardMethod::from_parts("lowest", weight), None);
    }
}
