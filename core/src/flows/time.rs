//! Timestamps of flow records: RFC 3339 (what Hubble writes) or Unix seconds, held as
//! nanoseconds since the Unix epoch (UTC).

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0i64, |acc, b| acc.checked_mul(10)?.checked_add(i64::from(b - b'0')))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` to nanoseconds since the epoch.
#[must_use]
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let field = |from: usize, to: usize| b.get(from..to).and_then(digits);
    let (year, month, day) = (field(0, 4)?, field(5, 7)?, field(8, 10)?);
    let (hour, minute, second) = (field(11, 13)?, field(14, 16)?, field(17, 19)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = b.get(19..)?;
    let mut nanos = 0i64;
    if let Some((b'.', tail)) = rest.split_first() {
        let len = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        let (fraction, after) = tail.split_at(len);
        if fraction.is_empty() {
            return None;
        }
        for i in 0..9 {
            nanos = nanos * 10 + fraction.get(i).map_or(0, |d| i64::from(d - b'0'));
        }
        rest = after;
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let minutes = digits(&[*h1, *h2])? * 60 + digits(&[*m1, *m2])?;
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Parses a timestamp: RFC 3339, or Unix seconds (`1714560000` or `1714560000.25`).
#[must_use]
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.bytes().next().is_some_and(|c| c.is_ascii_digit()) && !text.contains(['-', ':']) {
        return unix_seconds(text);
    }
    parse_rfc3339(text)
}

fn unix_seconds(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let seconds = digits(whole.as_bytes())?;
    let mut nanos = 0i64;
    for i in 0..9 {
        let d = fraction.as_bytes().get(i).copied().unwrap_or(b'0');
        if !d.is_ascii_digit() {
            return None;
        }
        nanos = nanos * 10 + i64::from(d - b'0');
    }
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Unix seconds as a float (JSON numbers) to nanoseconds.
#[must_use]
pub fn from_unix_float(seconds: f64) -> Option<i64> {
    let nanos = (seconds * 1e9).round();
    (nanos.is_finite() && nanos.abs() < 9.2e18).then_some(nanos as i64)
}

/// Formats nanoseconds since the epoch as RFC 3339 UTC, with the fraction only when non-zero.
#[must_use]
pub fn format_rfc3339(nanos: i64) -> String {
    let seconds = nanos.div_euclid(1_000_000_000);
    let fraction = nanos.rem_euclid(1_000_000_000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    let (h, m, s) = (of_day / 3600, of_day % 3600 / 60, of_day % 60);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}");
    if fraction != 0 {
        let digits = format!("{fraction:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let t = parse_rfc3339("2024-05-01T12:34:56.123456789Z").unwrap();
        assert_eq!(format_rfc3339(t), "2024-05-01T12:34:56.123456789Z");
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(format_rfc3339(parse_time("1714566896").unwrap()), "2024-05-01T12:34:56Z");
        assert_eq!(format_rfc3339(parse_time("1714566896.5").unwrap()), "2024-05-01T12:34:56.5Z");
        assert_eq!(format_rfc3339(-1_000_000_000), "1969-12-31T23:59:59Z");
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z").map(format_rfc3339).unwrap(), "2024-02-29T00:00:00Z");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2024-05",
            "2024-13-01T00:00:00Z",
            "2024-05-01T00:00:00",
            "2024-05-01T00:00:00.Z",
            "x024-05-01T00:00:00Z",
            "12ab",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
