//! What a username and a password must be (issue 16, finding 16).
//!
//! Usernames are compared in one form everywhere (sign-in, creation, the
//! CLI): NFKC, then lower case, trimmed, so "SRO.Martinez" and
//! "ｓｒｏ.martinez" are the same account. A new username must be one
//! script (UTS #39 mixed-script detection: a Cyrillic "о" inside a Latin
//! name is refused) and must not look like an existing one (UTS #39
//! skeletons: "sro.rnartinez" beside "sro.martinez").
//!
//! Passwords: at least 15 characters, as NIST SP 800-63B-4 asks of a
//! password that may be the only factor (MFA comes with the operations
//! issue); not blank; and strong by zxcvbn (score 3 of 4), which knows the
//! common and leaked-password lists, names, dates, keyboard patterns and
//! the username itself. A breached-password service would need the network
//! and would send a hash prefix off site; zxcvbn's lists are local.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript};

pub const MIN_PASSWORD_CHARS: usize = 15;
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_USERNAME_CHARS: usize = 64;

/// The one form a username is stored and looked up in.
pub fn normalize_username(raw: &str) -> String {
    raw.trim().nfkc().collect::<String>().to_lowercase()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameProblem {
    #[error("a username has 2 to {MAX_USERNAME_CHARS} characters")]
    Length,
    #[error("a username may hold letters, digits, '.', '_' and '-', not {0:?}")]
    Character(char),
    #[error("a username is written in one script")]
    MixedScripts,
    #[error("this username looks like the existing username {0:?}")]
    Confusable(String),
}

/// Checks a new username against the rules and the existing ones; returns
/// its normalised form.
pub fn check_new_username<'a>(
    raw: &str,
    existing: impl IntoIterator<Item = &'a str>,
) -> Result<String, UsernameProblem> {
    let name = normalize_username(raw);
    let chars = name.chars().count();
    if !(2..=MAX_USERNAME_CHARS).contains(&chars) {
        return Err(UsernameProblem::Length);
    }
    if let Some(c) = name.chars().find(|&c| {
        !(matches!(c, '.' | '_' | '-') || (c.is_alphanumeric() && c.identifier_allowed()))
    }) {
        return Err(UsernameProblem::Character(c));
    }
    if !name.as_str().is_single_script() {
        return Err(UsernameProblem::MixedScripts);
    }
    let skeleton = |s: &str| unicode_security::skeleton(s).collect::<String>();
    let mine = skeleton(&name);
    if let Some(other) = existing
        .into_iter()
        .find(|o| *o != name && skeleton(&normalize_username(o)) == mine)
    {
        return Err(UsernameProblem::Confusable(other.to_owned()));
    }
    Ok(name)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("a password is more than spaces")]
    Blank,
    #[error("this password is too easy to guess{0}")]
    Weak(String),
}

/// Checks a new password for `username`.
pub fn check_password(password: &str, username: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if password.trim().is_empty() {
        return Err(PasswordProblem::Blank);
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let name = normalize_username(username);
    let parts: Vec<&str> = std::iter::once(name.as_str())
        .chain(name.split(['.', '_', '-']))
        .chain(["sro", "school", "police", "officer"])
        .filter(|p| p.len() > 2)
        .collect();
    let estimate = zxcvbn::zxcvbn(password, &parts);
    if u8::from(estimate.score()) >= 3 {
        return Ok(());
    }
    let why = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(": {w}"))
        .unwrap_or_default();
    Err(PasswordProblem::Weak(why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        let existing = ["sro.martinez", "sgt.brooks", "paco"];
        let cases: &[(&str, Result<&str, UsernameProblem>)] = &[
            ("SRO.Lee", Ok("sro.lee")),
            ("  sro.lee  ", Ok("sro.lee")),
            // Fullwidth letters fold to ASCII under NFKC.
            ("ｓｒｏ.ｌｅｅ", Ok("sro.lee")),
            ("j.pérez", Ok("j.pérez")),
            ("o.ivanova-2", Ok("o.ivanova-2")),
            ("иванов", Ok("иванов")),
            ("a", Err(UsernameProblem::Length)),
            ("a b", Err(UsernameProblem::Character(' '))),
            ("sro@x", Err(UsernameProblem::Character('@'))),
            ("bob\u{200b}", Err(UsernameProblem::Character('\u{200b}'))),
            // A Cyrillic "о" inside Latin letters.
            ("sr\u{43e}.lee", Err(UsernameProblem::MixedScripts)),
            // "rn" looks like "m".
            (
                "sro.rnartinez",
                Err(UsernameProblem::Confusable("sro.martinez".into())),
            ),
            // All Cyrillic, and looks like the Latin "paco".
            (
                "\u{440}\u{430}\u{441}\u{43e}",
                Err(UsernameProblem::Confusable("paco".into())),
            ),
            // The same name is not "confusable" with itself (the caller
            // refuses duplicates as such).
            ("sro.martinez", Ok("sro.martinez")),
        ];
        for (raw, want) in cases {
            let got = check_new_username(raw, existing);
            assert_eq!(got, want.clone().map(str::to_owned), "{raw:?}");
        }
    }

    #[test]
    fn passwords_must_be_long_and_hard_to_guess() {
        let weak = |p: &str| {
            matches!(
                check_password(p, "sro.martinez"),
                Err(PasswordProblem::Weak(_))
            )
        };
        assert_eq!(
            check_password("            ", "u1"),
            Err(PasswordProblem::Blank)
        );
        assert_eq!(check_password("", "u1"), Err(PasswordProblem::Blank));
        assert_eq!(
            check_password("short pass", "u1"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_password(&"x".repeat(257), "u1"),
            Err(PasswordProblem::TooLong)
        );
        for p in [
            "password1234567",
            "aaaaaaaaaaaaaaaaaaaa",
            "123456789012345",
            "qwertyuiopasdfgh",
            "sro.martinez2026!",
            "martinezmartinez",
        ] {
            assert!(weak(p), "{p:?} should be refused");
        }
        for p in [
            "fieldlog-demo-2026",
            "correct horse battery staple",
            "Tq7#vLm2$wZ9pXr4",
        ] {
            assert_eq!(check_password(p, "sro.martinez"), Ok(()), "{p:?}");
        }
    }
}
