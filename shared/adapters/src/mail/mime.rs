//! Raw MIME messages (RFC 5322, 2045-2047), for what SES's simple form cannot carry: inline
//! pictures (`cid:`) and headers of our own (RFC 8058 one-click unsubscribe).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// An inline picture, named by its `Content-ID` in the HTML (`cid:<content_id>`).
pub struct Inline {
    pub content_id: String,
    pub filename: String,
    pub png: Vec<u8>,
}

/// One message: text and HTML alternatives, the HTML with its inline pictures.
pub struct Message<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    /// Further headers, already valid (no line breaks in their values).
    pub headers: Vec<(&'static str, String)>,
    pub text: &'a str,
    pub html: &'a str,
    pub inline: &'a [Inline],
}

impl Message<'_> {
    /// The message as SES's raw form takes it: CRLF line ends, every body in base64.
    pub fn to_bytes(&self) -> Vec<u8> {
        let boundary = uuid::Uuid::now_v7().simple().to_string();
        let (alternative, related) = (format!("alt-{boundary}"), format!("rel-{boundary}"));
        let mut out = String::with_capacity(
            4096 + self
                .inline
                .iter()
                .map(|i| i.png.len() * 4 / 3)
                .sum::<usize>(),
        );
        header(&mut out, "From", self.from);
        header(&mut out, "To", self.to);
        header(&mut out, "Subject", &encoded_words(self.subject));
        header(&mut out, "MIME-Version", "1.0");
        for (name, value) in &self.headers {
            header(&mut out, name, value);
        }
        header(
            &mut out,
            "Content-Type",
            &format!("multipart/alternative; boundary=\"{alternative}\""),
        );
        out.push_str("\r\n");
        part(
            &mut out,
            &alternative,
            "text/plain; charset=UTF-8",
            &[],
            self.text.as_bytes(),
        );
        if self.inline.is_empty() {
            part(
                &mut out,
                &alternative,
                "text/html; charset=UTF-8",
                &[],
                self.html.as_bytes(),
            );
        } else {
            out.push_str(&format!("--{alternative}\r\n"));
            header(
                &mut out,
                "Content-Type",
                &format!("multipart/related; type=\"text/html\"; boundary=\"{related}\""),
            );
            out.push_str("\r\n");
            part(
                &mut out,
                &related,
                "text/html; charset=UTF-8",
                &[],
                self.html.as_bytes(),
            );
            for picture in self.inline {
                let headers = [
                    ("Content-ID", format!("<{}>", picture.content_id)),
                    (
                        "Content-Disposition",
                        format!("inline; filename=\"{}\"", picture.filename),
                    ),
                ];
                part(&mut out, &related, "image/png", &headers, &picture.png);
            }
            out.push_str(&format!("--{related}--\r\n"));
        }
        out.push_str(&format!("--{alternative}--\r\n"));
        out.into_bytes()
    }
}

fn header(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(": ");
    out.push_str(value);
    out.push_str("\r\n");
}

fn part(
    out: &mut String,
    boundary: &str,
    content_type: &str,
    headers: &[(&str, String)],
    body: &[u8],
) {
    out.push_str(&format!("--{boundary}\r\n"));
    header(out, "Content-Type", content_type);
    header(out, "Content-Transfer-Encoding", "base64");
    for (name, value) in headers {
        header(out, name, value);
    }
    out.push_str("\r\n");
    let encoded = STANDARD.encode(body);
    // At most 76 characters a line (RFC 2045).
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
}

/// A header value as RFC 2047 encoded words when it is not plain ASCII, each word within
/// the 75-character limit and whole characters.
fn encoded_words(text: &str) -> String {
    if text.is_ascii() && text.len() <= 900 {
        return text.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        // 45 bytes encode to 60 characters, with `=?UTF-8?B?...?=` 72.
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", STANDARD.encode(w)))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_subjects_are_encoded_words_of_whole_characters() {
        let subject = "[Latenz über 500 ms] 1 alert firing – très grave";
        let encoded = encoded_words(subject);
        let decoded: String = encoded
            .split("\r\n ")
            .map(|word| {
                let inner = word.trim_start_matches("=?UTF-8?B?").trim_end_matches("?=");
                assert!(word.len() <= 75, "{word}");
                String::from_utf8(STANDARD.decode(inner).unwrap()).unwrap()
            })
            .collect();
        assert_eq!(decoded, subject);
        assert_eq!(
            encoded_words("[API] 1 alert firing"),
            "[API] 1 alert firing"
        );
    }

    #[test]
    fn a_message_with_pictures_nests_them_with_the_html() {
        let message = Message {
            from: "reports@example.com",
            to: "ops@example.com",
            subject: "s",
            headers: vec![("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into())],
            text: "text",
            html: "<img src=\"cid:p99@chart-report\">",
            inline: &[Inline {
                content_id: "p99@chart-report".into(),
                filename: "p99.png".into(),
                png: vec![0x89, b'P', b'N', b'G'],
            }],
        };
        let raw = String::from_utf8(message.to_bytes()).unwrap();
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        let alternative = raw.find("multipart/alternative").unwrap();
        let related = raw.find("multipart/related").unwrap();
        let image = raw.find("Content-ID: <p99@chart-report>").unwrap();
        assert!(alternative < related && related < image);
        assert!(raw.lines().all(|l| l.len() <= 998));
    }
}
