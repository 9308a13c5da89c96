//! Numbers to English words: cardinals of any size (short scale up to decillions, then
//! digit by digit, so 300-digit numbers never overflow), ordinals, years, decimals,
//! fractions and digit strings. All functions take digit strings, not machine integers.

/// The words of 0–19 (shared with the WER normaliser of `eval/normalize.rs`).
pub(crate) const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
/// The words of the tens, indexed by the tens digit.
pub(crate) const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
/// Short-scale names of 1000^k, k = 1..=11.
const SCALES: [&str; 12] =
    ["", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion", "sextillion", "septillion", "octillion", "nonillion", "decillion"];

/// The words of one digit ('0'..='9').
pub fn digit_word(d: char) -> &'static str {
    ONES[d.to_digit(10).unwrap_or(0) as usize]
}

/// Each digit as a word: "2048" → "two zero four eight".
pub fn digits(s: &str) -> Vec<String> {
    s.chars().filter(|c| c.is_ascii_digit()).map(|c| digit_word(c).to_string()).collect()
}

fn below_thousand(n: u32, out: &mut Vec<String>) {
    let (h, r) = (n / 100, n % 100);
    if h > 0 {
        out.push(ONES[h as usize].into());
        out.push("hundred".into());
    }
    if r > 0 {
        if r < 20 {
            out.push(ONES[r as usize].into());
        } else if r % 10 == 0 {
            out.push(TENS[(r / 10) as usize].into());
        } else {
            out.push(format!("{}-{}", TENS[(r / 10) as usize], ONES[(r % 10) as usize]));
        }
    }
}

/// Cardinal of a digit string (commas and leading zeros allowed): "1,234" → "one thousand
/// two hundred thirty-four". Numbers of more than 36 digits are read digit by digit.
pub fn cardinal(s: &str) -> Vec<String> {
    let d: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let d = d.trim_start_matches('0');
    if d.is_empty() {
        return vec!["zero".into()];
    }
    if d.len() > 3 * SCALES.len() {
        return digits(d);
    }
    let mut out = Vec::new();
    let groups: Vec<u32> = {
        let bytes = d.as_bytes();
        let first = bytes.len() % 3;
        let mut g = Vec::new();
        if first > 0 {
            g.push(d[..first].parse().unwrap_or(0));
        }
        let mut i = first;
        while i < bytes.len() {
            g.push(d[i..i + 3].parse().unwrap_or(0));
            i += 3;
        }
        g
    };
    let n = groups.len();
    for (i, &g) in groups.iter().enumerate() {
        if g == 0 {
            continue;
        }
        below_thousand(g, &mut out);
        let scale = SCALES[n - 1 - i];
        if !scale.is_empty() {
            out.push(scale.into());
        }
    }
    out
}

/// Cardinal of a small integer.
pub fn cardinal_u64(n: u64) -> Vec<String> {
    cardinal(&n.to_string())
}

/// Turns the last word of a cardinal into its ordinal: "twenty-one" → "twenty-first".
pub fn ordinalize(mut words: Vec<String>) -> Vec<String> {
    if let Some(last) = words.pop() {
        let (head, tail) = match last.rfind('-') {
            Some(k) => (last[..=k].to_string(), last[k + 1..].to_string()),
            None => (String::new(), last),
        };
        let t = match tail.as_str() {
            "one" => "first".to_string(),
            "two" => "second".into(),
            "three" => "third".into(),
            "five" => "fifth".into(),
            "eight" => "eighth".into(),
            "nine" => "ninth".into(),
            "twelve" => "twelfth".into(),
            t if t.ends_with('y') => format!("{}ieth", &t[..t.len() - 1]),
            t => format!("{t}th"),
        };
        words.push(format!("{head}{t}"));
    }
    words
}

/// Ordinal of a digit string: "21" → "twenty-first".
pub fn ordinal(s: &str) -> Vec<String> {
    ordinalize(cardinal(s))
}

/// A year as people say it: 1987 → "nineteen eighty-seven", 2001 → "two thousand one",
/// 2024 → "twenty twenty-four", 1900 → "nineteen hundred", 1205 → "twelve oh five".
pub fn year(s: &str) -> Vec<String> {
    let d: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let Ok(n) = d.parse::<u32>() else { return cardinal(&d) };
    if d.len() != 4 || !(1000..10000).contains(&n) {
        return cardinal(&d);
    }
    let (hi, lo) = (n / 100, n % 100);
    if (2000..2010).contains(&n) || n % 1000 == 0 {
        return cardinal(&d);
    }
    let mut out = Vec::new();
    below_thousand(hi, &mut out);
    if lo == 0 {
        out.push("hundred".into());
    } else if lo < 10 {
        out.push("oh".into());
        out.push(ONES[lo as usize].into());
    } else {
        below_thousand(lo, &mut out);
    }
    out
}

/// Decimal: "3.14" → "three point one four"; ".5" → "point five"; integer part as a cardinal.
pub fn decimal(int_part: &str, frac: &str) -> Vec<String> {
    let mut out = if int_part.is_empty() { Vec::new() } else { cardinal(int_part) };
    out.push("point".into());
    out.extend(digits(frac));
    out
}

/// Reads a plain number string that may have a sign, commas and a decimal part.
/// Returns None when `s` is not such a number.
pub fn number(s: &str) -> Option<Vec<String>> {
    let (neg, body) = match s.strip_prefix(['-', '−']) {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.') {
        return None;
    }
    if !body.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.') || body.ends_with([',', '.']) {
        return None;
    }
    let mut parts = body.splitn(2, '.');
    let int_part = parts.next().unwrap_or("");
    let frac = parts.next();
    if frac.is_some_and(|f| f.is_empty() || !f.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    if int_part.contains(',') && !valid_grouping(int_part) {
        return None;
    }
    let mut out = if neg { vec!["minus".to_string()] } else { Vec::new() };
    match frac {
        Some(f) => out.extend(decimal(int_part, f)),
        None => out.extend(cardinal(int_part)),
    }
    Some(out)
}

/// True for "1,234,567" style grouping.
fn valid_grouping(s: &str) -> bool {
    let mut parts = s.split(',');
    let first = parts.next().unwrap_or("");
    (1..=3).contains(&first.len()) && parts.all(|p| p.len() == 3)
}

/// Fraction: "1/2" → "one half", "3/4" → "three quarters", "5/16" → "five sixteenths".
pub fn fraction(num: &str, den: &str) -> Vec<String> {
    let mut out = cardinal(num);
    let plural = num.trim_start_matches('0') != "1";
    let den_t = den.trim_start_matches('0');
    let word: Vec<String> = match den_t {
        "" => {
            return {
                out.push("over".into());
                out.push("zero".into());
                out
            }
        }
        "1" => {
            return {
                out.push("over".into());
                out.push("one".into());
                out
            }
        }
        "2" => vec![if plural { "halves" } else { "half" }.into()],
        "4" => vec![if plural { "quarters" } else { "quarter" }.into()],
        _ => {
            let mut w = ordinal(den_t);
            if plural {
                if let Some(l) = w.last_mut() {
                    l.push('s');
                }
            }
            w
        }
    };
    if !plural && (den_t == "2" || den_t == "4") {
        out = vec!["one".into()];
    }
    out.extend(word);
    out
}

/// Roman numeral value (I..MMMCMXCIX), strictly canonical; None otherwise.
pub fn roman(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 15 {
        return None;
    }
    let val = |c: char| -> Option<i64> {
        match c {
            'I' => Some(1),
            'V' => Some(5),
            'X' => Some(10),
            'L' => Some(50),
            'C' => Some(100),
            'D' => Some(500),
            'M' => Some(1000),
            _ => None,
        }
    };
    let vals: Option<Vec<i64>> = s.chars().map(val).collect();
    let vals = vals?;
    let mut total = 0i64;
    for (i, &v) in vals.iter().enumerate() {
        if vals.get(i + 1).is_some_and(|&next| v < next) {
            total -= v;
        } else {
            total += v;
        }
    }
    let total = u32::try_from(total).ok().filter(|&t| t > 0 && t < 4000)?;
    (to_roman(total) == s).then_some(total)
}

/// Canonical Roman numeral of 1..=3999.
pub fn to_roman(mut n: u32) -> String {
    const T: [(u32, &str); 13] =
        [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut s = String::new();
    for (v, r) in T {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(v: Vec<String>) -> String {
        v.join(" ")
    }

    #[test]
    fn basics() {
        assert_eq!(j(cardinal("0")), "zero");
        assert_eq!(j(cardinal("1,000,001")), "one million one");
        assert_eq!(j(ordinal("112")), "one hundred twelfth");
        assert_eq!(j(year("1905")), "nineteen oh five");
        assert_eq!(j(fraction("1", "2")), "one half");
        assert_eq!(roman("XIV"), Some(14));
        assert_eq!(roman("IIII"), None);
        assert_eq!(cardinal(&"9".repeat(300)).len(), 300);
    }
}
