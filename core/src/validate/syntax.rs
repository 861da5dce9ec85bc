//! Name syntax shared by the rules: DNS-1123 names, qualified names (label and annotation
//! keys), label values and IANA service names (named ports). Each check returns what is wrong,
//! as a message fragment, or `None` when the text is valid.

/// Longest DNS-1123 label.
pub(crate) const DNS1123_LABEL_MAX: usize = 63;
/// Longest DNS-1123 subdomain.
pub(crate) const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// Longest name part of a qualified name, and longest label value.
pub(crate) const LABEL_MAX: usize = 63;
/// Longest IANA service name.
pub(crate) const PORT_NAME_MAX: usize = 15;

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, without a length limit.
fn is_dns_label_chars(s: &str) -> bool {
    let first_last_ok = s.chars().next().is_some_and(is_lower_alnum) && s.chars().last().is_some_and(is_lower_alnum);
    first_last_ok && s.chars().all(|c| is_lower_alnum(c) || c == '-')
}

/// What is wrong with `s` as a DNS-1123 label (namespace names).
pub(crate) fn dns1123_label_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if s.len() > DNS1123_LABEL_MAX {
        return Some(format!("must be no more than {DNS1123_LABEL_MAX} characters (it has {})", s.len()));
    }
    if !is_dns_label_chars(s) {
        return Some(
            "must consist of lowercase letters, digits and `-`, and start and end with a letter or digit".to_owned(),
        );
    }
    None
}

/// What is wrong with `s` as a DNS-1123 subdomain (object names, label key prefixes).
pub(crate) fn dns1123_subdomain_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if s.len() > DNS1123_SUBDOMAIN_MAX {
        return Some(format!("must be no more than {DNS1123_SUBDOMAIN_MAX} characters (it has {})", s.len()));
    }
    if !s.split('.').all(is_dns_label_chars) {
        return Some(
            "must consist of lowercase letters, digits, `-` and `.`, and start and end with a letter or digit"
                .to_owned(),
        );
    }
    None
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, without a length limit.
fn is_label_chars(s: &str) -> bool {
    let first_last_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    first_last_ok && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

const LABEL_CHARS: &str = "must consist of letters, digits, `-`, `_` and `.`, and start and end with a letter or digit";

/// What is wrong with `s` as a qualified name: an optional DNS subdomain prefix and `/`,
/// then a name of at most 63 characters (label keys, annotation keys).
pub(crate) fn qualified_name_problem(s: &str) -> Option<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((_, rest)) if rest.contains('/') => return Some("may contain at most one `/`".to_owned()),
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, s),
    };
    if let Some(prefix) = prefix {
        if prefix.is_empty() {
            return Some("has an empty prefix before `/`".to_owned());
        }
        if let Some(problem) = dns1123_subdomain_problem(prefix) {
            return Some(format!("has a prefix that is not a DNS subdomain: it {problem}"));
        }
    }
    if name.is_empty() {
        return Some("must have a name (the part after any `/` prefix)".to_owned());
    }
    if name.len() > LABEL_MAX {
        return Some(format!("has a name part longer than {LABEL_MAX} characters (it has {})", name.len()));
    }
    if !is_label_chars(name) {
        return Some(format!("has a name part that {LABEL_CHARS}"));
    }
    None
}

/// What is wrong with `s` as a label value (empty is allowed).
pub(crate) fn label_value_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if s.len() > LABEL_MAX {
        return Some(format!("must be no more than {LABEL_MAX} characters (it has {})", s.len()));
    }
    if !is_label_chars(s) {
        return Some(LABEL_CHARS.to_owned());
    }
    None
}

/// What is wrong with `s` as a named port (IANA_SVC_NAME).
pub(crate) fn port_name_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if s.len() > PORT_NAME_MAX {
        return Some(format!("must be no more than {PORT_NAME_MAX} characters (it has {})", s.len()));
    }
    if !s.chars().all(|c| is_lower_alnum(c) || c == '-') {
        return Some("must consist of lowercase letters, digits and `-`".to_owned());
    }
    if !s.chars().any(|c| c.is_ascii_lowercase()) {
        return Some("must contain at least one letter".to_owned());
    }
    if s.contains("--") {
        return Some("must not contain `--`".to_owned());
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("must not start or end with `-`".to_owned());
    }
    None
}

/// A DNS name built from `s` (lowercased, other characters turned into `-`, trimmed), when
/// that gives a valid name different from `s`.
pub(crate) fn dns_repair(s: &str, allow_dots: bool) -> Option<String> {
    let repaired: String = s
        .trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if is_lower_alnum(c) || c == '-' || (allow_dots && c == '.') { c } else { '-' }
        })
        .collect();
    let repaired = repaired.trim_matches(|c| c == '-' || c == '.').to_owned();
    let valid = if allow_dots {
        dns1123_subdomain_problem(&repaired).is_none()
    } else {
        dns1123_label_problem(&repaired).is_none()
    };
    (valid && repaired != s).then_some(repaired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert!(dns1123_label_problem("shop-1").is_none());
        assert!(dns1123_label_problem("Shop").is_some());
        assert!(dns1123_label_problem("a.b").is_some());
        assert!(dns1123_label_problem(&"a".repeat(64)).is_some());
        assert!(dns1123_subdomain_problem("a.b-c.d").is_none());
        assert!(dns1123_subdomain_problem("a..b").is_some());
        assert!(dns1123_subdomain_problem("-a").is_some());
        assert!(dns1123_subdomain_problem(&"a".repeat(254)).is_some());
        assert_eq!(dns_repair("My_Policy", true).as_deref(), Some("my-policy"));
        assert_eq!(dns_repair("ok", true), None);
        assert_eq!(dns_repair("___", true), None);
    }

    #[test]
    fn qualified_names_and_values() {
        assert!(qualified_name_problem("app.kubernetes.io/name").is_none());
        assert!(qualified_name_problem("App_1.x").is_none());
        assert!(qualified_name_problem("a/b/c").is_some());
        assert!(qualified_name_problem("/b").is_some());
        assert!(qualified_name_problem("Example.com/b").is_some());
        assert!(qualified_name_problem("a/").is_some());
        assert!(qualified_name_problem("-a").is_some());
        assert!(qualified_name_problem(&"a".repeat(64)).is_some());
        assert!(label_value_problem("").is_none());
        assert!(label_value_problem("v1.2_x-Y").is_none());
        assert!(label_value_problem("a b").is_some());
        assert!(label_value_problem("x-").is_some());
    }

    #[test]
    fn port_names() {
        assert!(port_name_problem("http").is_none());
        assert!(port_name_problem("h2-c").is_none());
        assert!(port_name_problem("80").is_some());
        assert!(port_name_problem("HTTP").is_some());
        assert!(port_name_problem("a--b").is_some());
        assert!(port_name_problem("-ab").is_some());
        assert!(port_name_problem("abcdefghijklmnop").is_some());
    }
}
