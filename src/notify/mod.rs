//! Email. Services queue messages with [`outbox::enqueue`] inside their own transaction, so a
//! message exists exactly when the change that caused it commits. The `send_email` job calls
//! [`delivery::deliver_due`], which claims each due row with a conditional update, sends it
//! through the [`sender::Mailer`] (lettre: SMTP or `.eml` files) outside any transaction and
//! records the outcome, retrying failures with exponential backoff up to `max_attempts`.
//!
//! What is mailed to whom for each event lives in [`events`] (rendered from the askama
//! templates of [`templates`], `templates/email/<name>/`); users turn optional kinds off
//! through [`preferences`]; [`routes`] serves the preferences and the admin's outbox.

pub mod delivery;
pub mod events;
pub mod outbox;
pub mod preferences;
pub mod routes;
pub mod sender;
pub mod templates;

pub use delivery::{DeliveryReport, deliver_due};
pub use outbox::{NewEmail, OutboxRow, enqueue};
pub use sender::Mailer;
