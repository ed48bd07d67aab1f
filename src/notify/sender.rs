//! The lettre transport: asynchronous SMTP (plain, STARTTLS or implicit TLS over rustls) or
//! `.eml` files in a directory, chosen by `[mail] transport`.

use std::time::Duration;

use anyhow::Context as _;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, MailTls, MailTransportKind};
use crate::notify::outbox::OutboxRow;

/// Upper bound of one whole send. lettre's own timeout covers only the connect, so a server
/// that stalls mid-conversation is cut off here, well inside the delivery claim's lease.
const MAX_SEND_SECS: u64 = 240;

/// Sends outbox rows. Cheap to clone: clones share the SMTP connection pool.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    send_deadline: Duration,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    // The transport holds credentials; show only what identifies it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::File(_) => "file",
        };
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .field("transport", &transport)
            .finish()
    }
}

impl Mailer {
    /// Builds the transport from `[mail]`: for `smtp`, host, port, TLS mode (`none` is plain
    /// SMTP, `starttls` upgrades, `tls` is implicit TLS), credentials when `username` is set,
    /// and `timeout_secs`; for `file`, creates `file_dir`. With `smtp` it must be called
    /// inside a Tokio runtime, where lettre's connection pool keeps its cleanup task.
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .from
            .parse()
            .with_context(|| format!("mail.from is not a valid mailbox: {:?}", settings.from))?;
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let transport = match settings.transport {
            MailTransportKind::Smtp => {
                tokio::runtime::Handle::try_current()
                    .context("the SMTP mailer must be built inside a Tokio runtime")?;
                let host = settings.smtp_host.as_str();
                let mut builder = match settings.tls {
                    MailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                    MailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                        .with_context(|| format!("mail.smtp_host {host:?} (starttls)"))?,
                    MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .with_context(|| format!("mail.smtp_host {host:?} (tls)"))?,
                }
                .port(settings.smtp_port)
                .timeout(Some(timeout));
                if !settings.username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        settings.username.clone(),
                        settings.password.clone(),
                    ));
                }
                Transport::Smtp(builder.build())
            }
            MailTransportKind::File => {
                std::fs::create_dir_all(&settings.file_dir).with_context(|| {
                    format!(
                        "cannot create mail.file_dir {}",
                        settings.file_dir.display()
                    )
                })?;
                Transport::File(AsyncFileTransport::<Tokio1Executor>::new(
                    &settings.file_dir,
                ))
            }
        };
        Ok(Mailer {
            from,
            transport,
            send_deadline: (timeout * 4).min(Duration::from_secs(MAX_SEND_SECS)),
        })
    }

    /// Builds the message (from `mail.from` to the row's recipient, with its subject;
    /// `text/plain; charset=utf-8`, or `multipart/alternative` when the row has an HTML body)
    /// and sends it. `Ok` means the server accepted it (or the file was written); any failure,
    /// including an invalid address, a refusing or unreachable server, or a send that takes
    /// too long, is `Err` with a readable message.
    pub async fn send(&self, row: &OutboxRow) -> Result<(), String> {
        let message = build_message(&self.from, row)?;
        let sending = async {
            match &self.transport {
                Transport::Smtp(smtp) => smtp
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| format!("SMTP delivery to {:?} failed: {e}", row.to_address)),
                Transport::File(file) => file
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| format!("cannot write the message file: {e}")),
            }
        };
        match tokio::time::timeout(self.send_deadline, sending).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "sending to {:?} took longer than {} s",
                row.to_address,
                self.send_deadline.as_secs()
            )),
        }
    }
}

/// The lettre message for a row. Its Message-ID is derived from the row id, so that in the
/// rare case of a second delivery (a crash after the server accepted it) receivers can tell.
fn build_message(from: &Mailbox, row: &OutboxRow) -> Result<Message, String> {
    let to: Mailbox = row
        .to_address
        .parse()
        .map_err(|e| format!("invalid recipient address {:?}: {e}", row.to_address))?;
    let builder = Message::builder()
        .message_id(Some(format!("<outbox.{}@{}>", row.id, from.email.domain())))
        .from(from.clone())
        .to(to)
        .subject(row.subject.as_str());
    let built = match &row.body_html {
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(row.body_text.clone()),
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            html.clone(),
        )),
    };
    built.map_err(|e| format!("cannot build the message: {e}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Test helpers for reading what lettre wrote: unfolded headers, RFC 2047 words, and
    /// base64 or quoted-printable bodies (no mail-parsing crate is a dependency).
    pub(crate) mod mime {
        /// Splits a raw message into (unfolded header lines, body), accepting CRLF or LF.
        pub(crate) fn split(raw: &str) -> (Vec<String>, String) {
            let raw = raw.replace("\r\n", "\n");
            let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
            let mut headers: Vec<String> = Vec::new();
            for line in head.lines() {
                if line.starts_with([' ', '\t'])
                    && let Some(last) = headers.last_mut()
                {
                    last.push_str(line);
                    continue;
                }
                headers.push(line.to_owned());
            }
            (headers, body.to_owned())
        }

        /// The decoded value of the first header with this name.
        pub(crate) fn header(headers: &[String], name: &str) -> Option<String> {
            headers.iter().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| decode_words(value.trim()))
            })
        }

        /// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); whitespace
        /// between adjacent encoded words is dropped, and their bytes are joined before UTF-8
        /// decoding, since a character may be split across words.
        pub(crate) fn decode_words(value: &str) -> String {
            let mut out = String::new();
            let mut pending: Vec<u8> = Vec::new();
            let mut gap = String::new();
            for token in value.split_inclusive([' ', '\t']) {
                let word = token.trim_end_matches([' ', '\t']);
                let trailing = &token[word.len()..];
                if let Some(bytes) = encoded_word(word) {
                    pending.extend(bytes);
                    gap = trailing.to_owned();
                } else {
                    if !pending.is_empty() {
                        out.push_str(
                            &String::from_utf8(std::mem::take(&mut pending)).expect("utf-8"),
                        );
                        out.push_str(&gap);
                    }
                    out.push_str(token);
                }
            }
            if !pending.is_empty() {
                out.push_str(&String::from_utf8(pending).expect("utf-8"));
            }
            out.trim_end().to_owned()
        }

        fn encoded_word(word: &str) -> Option<Vec<u8>> {
            let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
            let mut parts = inner.splitn(3, '?');
            let charset = parts.next()?;
            let encoding = parts.next()?;
            let text = parts.next()?;
            assert!(charset.eq_ignore_ascii_case("utf-8"), "charset {charset}");
            match encoding {
                "b" | "B" => Some(base64(text)),
                "q" | "Q" => Some(quoted_printable(&text.replace('_', " "))),
                _ => None,
            }
        }

        /// Decodes base64, ignoring whitespace and line breaks.
        pub(crate) fn base64(text: &str) -> Vec<u8> {
            let mut out = Vec::new();
            let mut buffer = 0u32;
            let mut bits = 0;
            for c in text.bytes() {
                let value = match c {
                    b'A'..=b'Z' => c - b'A',
                    b'a'..=b'z' => c - b'a' + 26,
                    b'0'..=b'9' => c - b'0' + 52,
                    b'+' => 62,
                    b'/' => 63,
                    b'=' => break,
                    b' ' | b'\t' | b'\r' | b'\n' => continue,
                    other => panic!("not base64: {:?}", other as char),
                };
                buffer = (buffer << 6) | u32::from(value);
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push((buffer >> bits) as u8);
                    buffer &= (1 << bits) - 1;
                }
            }
            out
        }

        /// Decodes quoted-printable, including soft line breaks.
        pub(crate) fn quoted_printable(text: &str) -> Vec<u8> {
            let text = text.replace("\r\n", "\n").replace("=\n", "");
            let bytes = text.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
                    out.push(u8::from_str_radix(hex, 16).expect("hex"));
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            out
        }

        /// Decodes one part's body by its Content-Transfer-Encoding, normalising to LF.
        pub(crate) fn decode_body(headers: &[String], body: &str) -> String {
            let encoding = header(headers, "Content-Transfer-Encoding")
                .unwrap_or_else(|| "7bit".to_owned())
                .to_ascii_lowercase();
            let bytes = match encoding.as_str() {
                "base64" => base64(body),
                "quoted-printable" => quoted_printable(body),
                _ => body.as_bytes().to_vec(),
            };
            String::from_utf8(bytes)
                .expect("utf-8 body")
                .replace("\r\n", "\n")
        }

        /// The parts of a multipart body: each as (headers, raw body).
        pub(crate) fn parts(headers: &[String], body: &str) -> Vec<(Vec<String>, String)> {
            let content_type = header(headers, "Content-Type").expect("Content-Type");
            let boundary = content_type
                .split(';')
                .find_map(|p| p.trim().strip_prefix("boundary="))
                .expect("boundary")
                .trim_matches('"')
                .to_owned();
            let body = body.replace("\r\n", "\n");
            let delimiter = format!("--{boundary}");
            body.split(&delimiter)
                .skip(1)
                .take_while(|chunk| !chunk.starts_with("--"))
                .map(|chunk| {
                    let (h, b) = split(chunk.trim_start_matches('\n'));
                    (h, b.trim_end_matches('\n').to_owned())
                })
                .collect()
        }
    }

    pub(crate) fn row(subject: &str, body_text: &str, body_html: Option<&str>) -> OutboxRow {
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        OutboxRow {
            id: 42,
            created_at: at,
            kind: "test".to_owned(),
            dedup_key: None,
            to_address: "李四 <lisi@example.com>".to_owned(),
            to_user_id: None,
            subject: subject.to_owned(),
            body_text: body_text.to_owned(),
            body_html: body_html.map(str::to_owned),
            status: "pending".to_owned(),
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            sent_at: None,
        }
    }

    fn from() -> Mailbox {
        "SixNorms 政府购买社会工作服务平台 <noreply@sixnorms.local>"
            .parse()
            .expect("mailbox")
    }

    const SUBJECT: &str =
        "【中标公告】2026年社区居家养老服务项目（第二包）——请于5个工作日内签订合同";
    const BODY: &str = "尊敬的供应商：\n\n贵单位已中标，中标金额为人民币壹拾贰万叁仟肆佰伍拾陆元整（¥123,456.00）。\nPlease sign within 5 working days.";

    fn raw(message: &Message) -> String {
        String::from_utf8(message.formatted()).expect("ascii message")
    }

    #[test]
    fn a_plain_message_keeps_chinese_subject_body_and_names() {
        let message = build_message(&from(), &row(SUBJECT, BODY, None)).expect("built");
        let raw = raw(&message);
        assert!(
            raw.is_ascii(),
            "headers and body are encoded for 7-bit transport"
        );
        let (headers, body) = mime::split(&raw);
        assert_eq!(mime::header(&headers, "Subject").as_deref(), Some(SUBJECT));
        let from = mime::header(&headers, "From").expect("From");
        assert!(from.contains("政府购买社会工作服务平台"), "{from}");
        assert!(from.contains("<noreply@sixnorms.local>"), "{from}");
        let to = mime::header(&headers, "To").expect("To");
        assert!(
            to.contains("李四") && to.contains("<lisi@example.com>"),
            "{to}"
        );
        assert_eq!(
            mime::header(&headers, "Message-ID").as_deref(),
            Some("<outbox.42@sixnorms.local>")
        );
        let content_type = mime::header(&headers, "Content-Type").expect("Content-Type");
        assert_eq!(
            content_type.to_ascii_lowercase(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(mime::decode_body(&headers, &body), BODY);
    }

    #[test]
    fn an_html_body_makes_a_multipart_alternative() {
        let html = "<p>尊敬的供应商：</p><p>贵单位已<strong>中标</strong>。</p>";
        let message = build_message(&from(), &row(SUBJECT, BODY, Some(html))).expect("built");
        let raw = raw(&message);
        let (headers, body) = mime::split(&raw);
        let content_type = mime::header(&headers, "Content-Type").expect("Content-Type");
        assert!(
            content_type.starts_with("multipart/alternative;"),
            "{content_type}"
        );
        let parts = mime::parts(&headers, &body);
        assert_eq!(parts.len(), 2);
        let types: Vec<String> = parts
            .iter()
            .map(|(h, _)| {
                mime::header(h, "Content-Type")
                    .expect("part type")
                    .to_ascii_lowercase()
            })
            .collect();
        assert_eq!(
            types,
            vec!["text/plain; charset=utf-8", "text/html; charset=utf-8"]
        );
        assert_eq!(mime::decode_body(&parts[0].0, &parts[0].1), BODY);
        assert_eq!(mime::decode_body(&parts[1].0, &parts[1].1), html);
    }

    #[test]
    fn an_ascii_message_stays_readable() {
        let message = build_message(&from(), &row("Hello", "Plain body", None)).expect("built");
        let (headers, body) = mime::split(&raw(&message));
        assert_eq!(mime::header(&headers, "Subject").as_deref(), Some("Hello"));
        assert_eq!(mime::decode_body(&headers, &body), "Plain body");
    }

    #[test]
    fn an_invalid_recipient_is_an_error_not_a_panic() {
        let mut bad = row(SUBJECT, BODY, None);
        bad.to_address = "not an address".to_owned();
        let error = build_message(&from(), &bad).expect_err("must fail");
        assert!(error.contains("invalid recipient address"), "{error}");
    }

    #[test]
    fn settings_errors_name_the_setting() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut settings = file_settings(dir.path());
        settings.from = "nobody".to_owned();
        let error = format!(
            "{:#}",
            Mailer::from_settings(&settings).expect_err("bad from")
        );
        assert!(error.contains("mail.from"), "{error}");

        // SMTP outside a runtime is refused instead of panicking in lettre's pool.
        let mut settings = file_settings(dir.path());
        settings.transport = MailTransportKind::Smtp;
        let error = format!(
            "{:#}",
            Mailer::from_settings(&settings).expect_err("no runtime")
        );
        assert!(error.contains("Tokio runtime"), "{error}");
    }

    #[tokio::test]
    async fn the_file_transport_creates_its_directory_and_writes_eml() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mail_dir = dir.path().join("nested/mail");
        let mailer = Mailer::from_settings(&file_settings(&mail_dir)).expect("mailer");
        assert!(mail_dir.is_dir());
        mailer.send(&row(SUBJECT, BODY, None)).await.expect("sent");
        let files: Vec<_> = std::fs::read_dir(&mail_dir)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
        let raw = std::fs::read_to_string(&files[0]).expect("read eml");
        let (headers, body) = mime::split(&raw);
        assert_eq!(mime::header(&headers, "Subject").as_deref(), Some(SUBJECT));
        assert_eq!(mime::decode_body(&headers, &body), BODY);
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            listener.local_addr().expect("addr").port()
        };
        let mut settings = file_settings(std::path::Path::new("/nonexistent"));
        settings.transport = MailTransportKind::Smtp;
        settings.smtp_port = port;
        let mailer = Mailer::from_settings(&settings).expect("mailer");
        let error = mailer
            .send(&row(SUBJECT, BODY, None))
            .await
            .expect_err("nobody listens");
        assert!(error.contains("SMTP delivery"), "{error}");
    }

    /// Settings for tests: the file transport into `dir`, SMTP on 127.0.0.1 without TLS.
    pub(crate) fn file_settings(dir: &std::path::Path) -> MailSettings {
        MailSettings {
            transport: MailTransportKind::File,
            file_dir: dir.to_path_buf(),
            smtp_host: "127.0.0.1".to_owned(),
            smtp_port: 25,
            tls: MailTls::None,
            username: String::new(),
            password: String::new(),
            from: "SixNorms 政府购买社会工作服务平台 <noreply@sixnorms.local>".to_owned(),
            timeout_secs: 5,
            max_attempts: 3,
            retry_base_secs: 60,
            retry_max_secs: 3600,
            batch_size: 50,
        }
    }
}
