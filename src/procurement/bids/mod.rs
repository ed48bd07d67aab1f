//! Sealed bids (DOMAIN §5): submission with a SHA-256 receipt ([`receipt`]), replacement and
//! withdrawal before the deadline, bid documents, and the opening — by the purchaser's officer
//! or the `open_bids` job — with the qualification check of every bid, the opening record and,
//! with too few qualified bids, the failure of the procurement. Nobody reads a bid's price,
//! proposal or documents before opening (`403 bids_sealed`).

pub mod model;
pub mod receipt;
pub mod routes;
pub mod service;
