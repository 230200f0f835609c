//! The embedded cultures. Names, patterns and symbols are CLDR data as ICU hands them to
//! .NET 5+ (stand-alone month and day names, format-context names as the genitive forms,
//! ICU patterns converted to .NET notation with four-digit years), so text matches what Logic
//! Apps produces. Only data lives here; the lookup is in the parent module.

use super::{Culture, DateOrder};

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const EN_MONTHS_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const EN_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const EN_DAYS_ABBR: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

pub(super) const INVARIANT: Culture = Culture {
    name: "",
    month_names: EN_MONTHS,
    abbreviated_month_names: EN_MONTHS_ABBR,
    month_genitive_names: EN_MONTHS,
    abbreviated_month_genitive_names: EN_MONTHS_ABBR,
    day_names: EN_DAYS,
    abbreviated_day_names: EN_DAYS_ABBR,
    am_designator: "AM",
    pm_designator: "PM",
    date_separator: "/",
    time_separator: ":",
    short_date_pattern: "MM/dd/yyyy",
    long_date_pattern: "dddd, dd MMMM yyyy",
    short_time_pattern: "HH:mm",
    long_time_pattern: "HH:mm:ss",
    month_day_pattern: "MMMM dd",
    year_month_pattern: "yyyy MMMM",
    era_name: "A.D.",
    date_order: DateOrder::MonthDayYear,
    date_words: &["of"],
    decimal_separator: ".",
    group_separator: ",",
    currency_symbol: "\u{a4}",
    currency_decimal_digits: 2,
    currency_positive_pattern: 0,
    currency_negative_pattern: 0,
    percent_positive_pattern: 0,
    percent_negative_pattern: 0,
    number_negative_pattern: 1,
    negative_sign: "-",
    positive_sign: "+",
    percent_symbol: "%",
    per_mille_symbol: "\u{2030}",
    nan_symbol: "NaN",
    positive_infinity_symbol: "Infinity",
    negative_infinity_symbol: "-Infinity",
};

pub(super) const EN_US: Culture = Culture {
    name: "en-US",
    short_date_pattern: "M/d/yyyy",
    long_date_pattern: "dddd, MMMM d, yyyy",
    short_time_pattern: "h:mm tt",
    long_time_pattern: "h:mm:ss tt",
    month_day_pattern: "MMMM d",
    year_month_pattern: "MMMM yyyy",
    era_name: "AD",
    currency_symbol: "$",
    currency_negative_pattern: 1,
    percent_positive_pattern: 1,
    percent_negative_pattern: 1,
    positive_infinity_symbol: "\u{221e}",
    negative_infinity_symbol: "-\u{221e}",
    ..INVARIANT
};

pub(super) const EN_GB: Culture = Culture {
    name: "en-GB",
    abbreviated_month_names: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
    ],
    abbreviated_month_genitive_names: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
    ],
    am_designator: "am",
    pm_designator: "pm",
    short_date_pattern: "dd/MM/yyyy",
    long_date_pattern: "dddd, d MMMM yyyy",
    short_time_pattern: "HH:mm",
    long_time_pattern: "HH:mm:ss",
    month_day_pattern: "d MMMM",
    year_month_pattern: "MMMM yyyy",
    date_order: DateOrder::DayMonthYear,
    currency_symbol: "\u{a3}",
    ..EN_US
};

const DE_MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

pub(super) const DE_DE: Culture = Culture {
    name: "de-DE",
    month_names: DE_MONTHS,
    abbreviated_month_names: [
        "Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez",
    ],
    month_genitive_names: DE_MONTHS,
    abbreviated_month_genitive_names: [
        "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
        "Dez.",
    ],
    day_names: [
        "Sonntag",
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
    ],
    abbreviated_day_names: ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
    am_designator: "AM",
    pm_designator: "PM",
    date_separator: ".",
    short_date_pattern: "dd.MM.yyyy",
    long_date_pattern: "dddd, d. MMMM yyyy",
    short_time_pattern: "HH:mm",
    long_time_pattern: "HH:mm:ss",
    month_day_pattern: "d. MMMM",
    year_month_pattern: "MMMM yyyy",
    era_name: "n. Chr.",
    date_order: DateOrder::DayMonthYear,
    date_words: &["um"],
    decimal_separator: ",",
    group_separator: ".",
    currency_symbol: "€",
    currency_positive_pattern: 3,
    currency_negative_pattern: 8,
    percent_positive_pattern: 0,
    percent_negative_pattern: 0,
    ..EN_US
};

const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const FR_MONTHS_ABBR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];

pub(super) const FR_FR: Culture = Culture {
    name: "fr-FR",
    month_names: FR_MONTHS,
    abbreviated_month_names: FR_MONTHS_ABBR,
    month_genitive_names: FR_MONTHS,
    abbreviated_month_genitive_names: FR_MONTHS_ABBR,
    day_names: [
        "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
    ],
    abbreviated_day_names: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    short_date_pattern: "dd/MM/yyyy",
    long_date_pattern: "dddd d MMMM yyyy",
    month_day_pattern: "d MMMM",
    era_name: "ap. J.-C.",
    date_separator: "/",
    date_words: &["à", "le"],
    // ICU (CLDR) groups French digits with a narrow no-break space.
    group_separator: "\u{202f}",
    ..DE_DE
};

const NL_MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const NL_MONTHS_ABBR: [&str; 12] = [
    "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];

pub(super) const NL_NL: Culture = Culture {
    name: "nl-NL",
    month_names: NL_MONTHS,
    abbreviated_month_names: NL_MONTHS_ABBR,
    month_genitive_names: NL_MONTHS,
    abbreviated_month_genitive_names: NL_MONTHS_ABBR,
    day_names: [
        "zondag",
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
    ],
    abbreviated_day_names: ["zo", "ma", "di", "wo", "do", "vr", "za"],
    am_designator: "a.m.",
    pm_designator: "p.m.",
    date_separator: "-",
    short_date_pattern: "dd-MM-yyyy",
    long_date_pattern: "dddd d MMMM yyyy",
    month_day_pattern: "d MMMM",
    era_name: "n.Chr.",
    date_words: &["om"],
    currency_positive_pattern: 2,
    currency_negative_pattern: 12,
    percent_positive_pattern: 1,
    percent_negative_pattern: 1,
    ..DE_DE
};

const JA_MONTHS: [&str; 12] = [
    "1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月",
];

pub(super) const JA_JP: Culture = Culture {
    name: "ja-JP",
    month_names: JA_MONTHS,
    abbreviated_month_names: JA_MONTHS,
    month_genitive_names: JA_MONTHS,
    abbreviated_month_genitive_names: JA_MONTHS,
    day_names: [
        "日曜日",
        "月曜日",
        "火曜日",
        "水曜日",
        "木曜日",
        "金曜日",
        "土曜日",
    ],
    abbreviated_day_names: ["日", "月", "火", "水", "木", "金", "土"],
    am_designator: "午前",
    pm_designator: "午後",
    short_date_pattern: "yyyy/MM/dd",
    long_date_pattern: "yyyy年M月d日dddd",
    short_time_pattern: "H:mm",
    long_time_pattern: "H:mm:ss",
    month_day_pattern: "M月d日",
    year_month_pattern: "yyyy年M月",
    era_name: "西暦",
    date_order: DateOrder::YearMonthDay,
    date_words: &[],
    currency_symbol: "￥",
    currency_decimal_digits: 0,
    ..EN_US
};

const IS_MONTHS: [&str; 12] = [
    "janúar",
    "febrúar",
    "mars",
    "apríl",
    "maí",
    "júní",
    "júlí",
    "ágúst",
    "september",
    "október",
    "nóvember",
    "desember",
];
const IS_MONTHS_ABBR: [&str; 12] = [
    "jan.", "feb.", "mar.", "apr.", "maí", "jún.", "júl.", "ágú.", "sep.", "okt.", "nóv.", "des.",
];

pub(super) const IS_IS: Culture = Culture {
    name: "is-IS",
    month_names: IS_MONTHS,
    abbreviated_month_names: IS_MONTHS_ABBR,
    month_genitive_names: IS_MONTHS,
    abbreviated_month_genitive_names: IS_MONTHS_ABBR,
    day_names: [
        "sunnudagur",
        "mánudagur",
        "þriðjudagur",
        "miðvikudagur",
        "fimmtudagur",
        "föstudagur",
        "laugardagur",
    ],
    abbreviated_day_names: ["sun.", "mán.", "þri.", "mið.", "fim.", "fös.", "lau."],
    am_designator: "f.h.",
    pm_designator: "e.h.",
    short_date_pattern: "d.M.yyyy",
    long_date_pattern: "dddd, d. MMMM yyyy",
    era_name: "e.Kr.",
    date_words: &["kl."],
    currency_symbol: "kr.",
    // ISK has no minor unit.
    currency_decimal_digits: 0,
    percent_positive_pattern: 1,
    percent_negative_pattern: 1,
    ..DE_DE
};

const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const ES_MONTHS_ABBR: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
];

pub(super) const ES_ES: Culture = Culture {
    name: "es-ES",
    month_names: ES_MONTHS,
    abbreviated_month_names: ES_MONTHS_ABBR,
    month_genitive_names: ES_MONTHS,
    abbreviated_month_genitive_names: ES_MONTHS_ABBR,
    day_names: [
        "domingo",
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
    ],
    abbreviated_day_names: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
    am_designator: "a.\u{a0}m.",
    pm_designator: "p.\u{a0}m.",
    date_separator: "/",
    short_date_pattern: "d/M/yyyy",
    long_date_pattern: "dddd, d 'de' MMMM 'de' yyyy",
    short_time_pattern: "H:mm",
    long_time_pattern: "H:mm:ss",
    month_day_pattern: "d 'de' MMMM",
    year_month_pattern: "MMMM 'de' yyyy",
    era_name: "d. C.",
    date_words: &["de", "del"],
    ..DE_DE
};

/// Every specific culture, the invariant one first.
pub(super) static ALL: &[&Culture] = &[
    &INVARIANT, &EN_US, &EN_GB, &DE_DE, &FR_FR, &NL_NL, &JA_JP, &IS_IS, &ES_ES,
];

/// Neutral culture names and the specific culture they format like.
pub(super) static NEUTRAL: &[(&str, &Culture)] = &[
    ("en", &EN_US),
    ("de", &DE_DE),
    ("fr", &FR_FR),
    ("nl", &NL_NL),
    ("ja", &JA_JP),
    ("is", &IS_IS),
    ("es", &ES_ES),
];
