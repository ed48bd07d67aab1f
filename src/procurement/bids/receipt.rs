//! The bid receipt (投标回执): SHA-256 over the canonical form of a bid, so that a bidder can
//! check against the published opening record that nothing in its bid changed while sealed.
//!
//! The canonical form is the JSON object below with its keys sorted, no whitespace, strings
//! escaped as JSON does (non-ASCII characters kept as UTF-8), and the hex digest in lower
//! case:
//!
//! ```text
//! {"contractor_id":12,"documents":["<sha256>",…],"price":"980000.00","project_id":7,
//!  "proposal":"…","submitted_at":"2026-04-20T01:59:59.000000Z","team_size":6,"tender_id":3}
//! ```
//!
//! `price` is in 元 with two decimals; `submitted_at` is RFC 3339 UTC with microseconds, as
//! the API shows it; `documents` are the SHA-256 of the bid's documents, sorted, so their
//! upload order does not matter. Submitting again, or uploading a document, changes the
//! receipt.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::domain::money::from_fen;

/// What a receipt covers.
#[derive(Debug, Clone, Copy)]
pub struct BidContent<'a> {
    /// Project.
    pub project_id: i64,
    /// Tender (round) the bid answers.
    pub tender_id: i64,
    /// Bidder.
    pub contractor_id: i64,
    /// Price in 分.
    pub price_fen: i64,
    /// Proposal text, exactly as submitted.
    pub proposal: &'a str,
    /// Team size.
    pub team_size: i32,
    /// Submission time (UTC, microseconds).
    pub submitted_at: NaiveDateTime,
    /// SHA-256 (hex) of each document, in any order.
    pub documents: &'a [String],
}

/// The canonical text the receipt hashes.
pub fn canonical_form(bid: &BidContent<'_>) -> String {
    let mut documents = bid.documents.to_vec();
    documents.sort();
    crate::audit::canonical_json(&json!({
        "project_id": bid.project_id,
        "tender_id": bid.tender_id,
        "contractor_id": bid.contractor_id,
        "price": format!("{:.2}", from_fen(bid.price_fen)),
        "proposal": bid.proposal,
        "team_size": bid.team_size,
        "submitted_at": crate::clock::rfc3339(bid.submitted_at),
        "documents": documents,
    }))
}

/// The receipt: lower-case hex SHA-256 of [`canonical_form`].
pub fn receipt(bid: &BidContent<'_>) -> String {
    crate::storage::sha256_hex(canonical_form(bid).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(documents: &[String]) -> BidContent<'_> {
        BidContent {
            project_id: 7,
            tender_id: 3,
            contractor_id: 12,
            price_fen: 98_000_000,
            proposal: "服务方案：\"入户探访\"",
            team_size: 6,
            submitted_at: NaiveDateTime::parse_from_str("2026-04-20 01:59:59", "%Y-%m-%d %H:%M:%S")
                .expect("time"),
            documents,
        }
    }

    #[test]
    fn canonical_form_and_digest_are_fixed() {
        let docs = vec!["b".repeat(64), "a".repeat(64)];
        let bid = sample(&docs);
        assert_eq!(
            canonical_form(&bid),
            format!(
                "{{\"contractor_id\":12,\"documents\":[\"{a}\",\"{b}\"],\"price\":\"980000.00\",\
                 \"project_id\":7,\"proposal\":\"服务方案：\\\"入户探访\\\"\",\
                 \"submitted_at\":\"2026-04-20T01:59:59.000000Z\",\"team_size\":6,\"tender_id\":3}}",
                a = "a".repeat(64),
                b = "b".repeat(64)
            )
        );
        // Computed independently (Python: json.dumps(sort_keys=True, separators=(',', ':'),
        // ensure_ascii=False), then hashlib.sha256).
        assert_eq!(
            receipt(&bid),
            "04ae186a34db49e5e186bc3f3b763db41ad7170477a439365988c53bf87316b3"
        );
    }

    #[test]
    fn document_order_does_not_matter_but_every_field_does() {
        let docs = vec!["a".repeat(64), "b".repeat(64)];
        let reversed = vec!["b".repeat(64), "a".repeat(64)];
        let base = receipt(&sample(&docs));
        assert_eq!(receipt(&sample(&reversed)), base);
        let fewer = vec!["a".repeat(64)];
        let changes: Vec<BidContent<'_>> = vec![
            BidContent {
                project_id: 8,
                ..sample(&docs)
            },
            BidContent {
                tender_id: 4,
                ..sample(&docs)
            },
            BidContent {
                contractor_id: 13,
                ..sample(&docs)
            },
            BidContent {
                price_fen: 98_000_001,
                ..sample(&docs)
            },
            BidContent {
                proposal: "服务方案：\"入户探访\" ",
                ..sample(&docs)
            },
            BidContent {
                team_size: 7,
                ..sample(&docs)
            },
            BidContent {
                submitted_at: sample(&docs).submitted_at + chrono::Duration::microseconds(1),
                ..sample(&docs)
            },
            sample(&fewer),
        ];
        for (i, changed) in changes.iter().enumerate() {
            assert_ne!(receipt(changed), base, "change {i} must change the receipt");
        }
        assert_eq!(receipt(&sample(&docs)).len(), 64);
    }
}
