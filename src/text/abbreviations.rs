//! Lookup tables for the normaliser: abbreviations, units, currencies, months, acronyms
//! and symbols. Each table is plain data so it can be read and extended at a glance.

/// Abbreviations always read the same way (lower-cased key, with its period).
pub const ABBREVIATIONS: [(&str, &str); 38] = [
    ("mr.", "mister"),
    ("mrs.", "missus"),
    ("ms.", "miz"),
    ("prof.", "professor"),
    ("jr.", "junior"),
    ("sr.", "senior"),
    ("gen.", "general"),
    ("gov.", "governor"),
    ("sen.", "senator"),
    ("rep.", "representative"),
    ("sgt.", "sergeant"),
    ("capt.", "captain"),
    ("lt.", "lieutenant"),
    ("col.", "colonel"),
    ("rev.", "reverend"),
    ("hon.", "honorable"),
    ("ave.", "avenue"),
    ("blvd.", "boulevard"),
    ("rd.", "road"),
    ("ln.", "lane"),
    ("mt.", "mount"),
    ("ft.", "fort"),
    ("vs.", "versus"),
    ("etc.", "et cetera"),
    ("approx.", "approximately"),
    ("dept.", "department"),
    ("est.", "established"),
    ("inc.", "incorporated"),
    ("ltd.", "limited"),
    ("co.", "company"),
    ("corp.", "corporation"),
    ("vol.", "volume"),
    ("ch.", "chapter"),
    ("fig.", "figure"),
    ("no.", "number"),
    ("pp.", "pages"),
    ("p.", "page"),
    ("min.", "minutes"),
];

/// Dotted abbreviations read as words rather than letters.
pub const DOTTED: [(&str, &str); 6] =
    [("e.g.", "for example"), ("i.e.", "that is"), ("a.m.", "a. m."), ("p.m.", "p. m."), ("a.d.", "a. d."), ("b.c.", "b. c.")];

/// Month names and abbreviations → full name.
pub fn month(s: &str) -> Option<(u32, &'static str)> {
    const M: [&str; 12] = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
    let l = s.trim_end_matches('.').to_ascii_lowercase();
    if l.len() < 3 {
        return None;
    }
    let full_only = ["may", "march", "june", "july"]; // words in their own right: only as a full capitalised name
    for (i, m) in M.iter().enumerate() {
        let abbr_ok = l.len() >= 3 && m.starts_with(&l) && (l.len() == 3 || l == "sept");
        if l == *m || abbr_ok {
            if full_only.contains(m) && !s.starts_with(|c: char| c.is_uppercase()) {
                return None;
            }
            return Some((i as u32 + 1, M[i]));
        }
    }
    None
}

pub fn month_name(n: u32) -> Option<&'static str> {
    const M: [&str; 12] = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
    M.get((n as usize).wrapping_sub(1)).copied()
}

/// Units after a number: (symbol, singular, plural). Matched case-sensitively.
pub const UNITS: [(&str, &str, &str); 48] = [
    ("km/h", "kilometer per hour", "kilometers per hour"),
    ("kph", "kilometer per hour", "kilometers per hour"),
    ("mph", "mile per hour", "miles per hour"),
    ("m/s", "meter per second", "meters per second"),
    ("km", "kilometer", "kilometers"),
    ("cm", "centimeter", "centimeters"),
    ("mm", "millimeter", "millimeters"),
    ("m", "meter", "meters"),
    ("kg", "kilogram", "kilograms"),
    ("mg", "milligram", "milligrams"),
    ("g", "gram", "grams"),
    ("lb", "pound", "pounds"),
    ("lbs", "pounds", "pounds"),
    ("oz", "ounce", "ounces"),
    ("mi", "mile", "miles"),
    ("ft", "foot", "feet"),
    ("yd", "yard", "yards"),
    ("in", "inch", "inches"),
    ("ml", "milliliter", "milliliters"),
    ("mL", "milliliter", "milliliters"),
    ("l", "liter", "liters"),
    ("L", "liter", "liters"),
    ("°C", "degree celsius", "degrees celsius"),
    ("°F", "degree fahrenheit", "degrees fahrenheit"),
    ("°", "degree", "degrees"),
    ("℃", "degree celsius", "degrees celsius"),
    ("KB", "kilobyte", "kilobytes"),
    ("kB", "kilobyte", "kilobytes"),
    ("MB", "megabyte", "megabytes"),
    ("GB", "gigabyte", "gigabytes"),
    ("TB", "terabyte", "terabytes"),
    ("Hz", "hertz", "hertz"),
    ("kHz", "kilohertz", "kilohertz"),
    ("MHz", "megahertz", "megahertz"),
    ("GHz", "gigahertz", "gigahertz"),
    ("ms", "millisecond", "milliseconds"),
    ("s", "second", "seconds"),
    ("sec", "second", "seconds"),
    ("min", "minute", "minutes"),
    ("h", "hour", "hours"),
    ("hr", "hour", "hours"),
    ("hrs", "hours", "hours"),
    ("W", "watt", "watts"),
    ("kW", "kilowatt", "kilowatts"),
    ("kWh", "kilowatt hour", "kilowatt hours"),
    ("V", "volt", "volts"),
    ("mA", "milliamp", "milliamps"),
    ("dB", "decibel", "decibels"),
];

/// Units that are also ordinary words or letters: only read as units when attached to the
/// number ("5in", "10s") or, for these, never when standing alone after a number.
pub const AMBIGUOUS_UNITS: [&str; 9] = ["in", "m", "s", "h", "l", "L", "W", "V", "g"];

pub fn unit(s: &str) -> Option<(&'static str, &'static str)> {
    UNITS.iter().find(|u| u.0 == s).map(|u| (u.1, u.2))
}

/// Currency symbol → (major singular, major plural, minor singular, minor plural).
pub fn currency(c: char) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    Some(match c {
        '$' => ("dollar", "dollars", "cent", "cents"),
        '£' => ("pound", "pounds", "penny", "pence"),
        '€' => ("euro", "euros", "cent", "cents"),
        '¥' => ("yen", "yen", "sen", "sen"),
        '₹' => ("rupee", "rupees", "paisa", "paise"),
        _ => return None,
    })
}

/// Magnitude suffixes after a currency amount: "$5M", "$2bn", "$3K".
pub fn magnitude(s: &str) -> Option<&'static str> {
    Some(match s {
        "K" | "k" | "thousand" => "thousand",
        "M" | "m" | "mn" | "million" => "million",
        "B" | "b" | "bn" | "billion" => "billion",
        "T" | "tn" | "trillion" => "trillion",
        _ => return None,
    })
}

/// Acronyms that are spoken as words even when not in the dictionary.
pub const SPOKEN_ACRONYMS: [&str; 24] = [
    "NASA", "NATO", "UNESCO", "UNICEF", "OPEC", "FIFA", "SCUBA", "LASER", "RADAR", "AIDS", "COVID", "ASAP", "GIF", "PIN", "SIM", "RAM", "ROM", "LAN", "WAN",
    "SWAT", "NAFTA", "OSHA", "FEMA", "ASCII",
];

/// Acronyms that are spelled letter by letter even though a word of the same letters exists.
pub const SPELLED_ACRONYMS: [&str; 24] = [
    "US", "UK", "EU", "UN", "AI", "TV", "PC", "ID", "IT", "OK", "CEO", "CPU", "GPU", "USB", "URL", "HTML", "FBI", "CIA", "BBC", "USA", "DNA", "SMS", "PDF",
    "API",
];

/// Words after which a Roman numeral is read as a cardinal ("Chapter XIV" → "chapter fourteen").
pub const ROMAN_CARDINAL_CONTEXT: [&str; 16] =
    ["chapter", "book", "part", "volume", "vol.", "act", "scene", "section", "article", "appendix", "phase", "class", "level", "war", "ch.", "psalm"];

/// Symbols read as words when they stand alone or between words.
pub fn symbol(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "and",
        '+' => "plus",
        '=' => "equals",
        '@' => "at",
        '%' => "percent",
        '×' => "times",
        '÷' => "divided by",
        '±' => "plus or minus",
        '<' => "less than",
        '>' => "greater than",
        '~' => "approximately",
        '≈' => "approximately",
        '°' => "degrees",
        'π' => "pi",
        '§' => "section",
        '¶' => "paragraph",
        '©' => "copyright",
        '®' => "registered",
        '™' => "trademark",
        '√' => "square root of",
        '∞' => "infinity",
        _ => return None,
    })
}
