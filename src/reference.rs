//! Reference data shipped with the binary (regions, the guiding catalog), loaded into the
//! database by `migrate`, `demo` and at start. Loading is idempotent: only missing rows are
//! inserted, so an admin's additions are never overwritten.

use crate::db::{AnyConnection, write_tx};

/// Inserts whatever shipped reference data is missing; returns the rows inserted.
pub fn sync(conn: &mut AnyConnection) -> anyhow::Result<usize> {
    write_tx(conn, |conn| {
        let regions = crate::regions::sync(conn)?;
        let catalog = crate::catalog::sync(conn)?;
        Ok(regions + catalog)
    })
}
