//! The printed report: the table of medians and ratios, the aims, the checks that every engine
//! did the same work, and the breakdown of Carnet's time.

use crate::breakdown::Breakdown;
use carnet_sql_workload::{EngineReport, Plan, Samples, median};

/// Carnet may take at most this many times plain SQLite's time to insert (the aim of the
/// issue "Faster and smaller").
pub const AIM_INSERT_VS_SQLITE: f64 = 1.3;
/// Carnet may take at most this many times plain SQLite's time to list.
pub const AIM_LIST_VS_SQLITE: f64 = 1.2;

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.2}x"))
}

struct Row {
    label: &'static str,
    pick: fn(&Samples) -> &Vec<f64>,
    aim: Aim,
}

enum Aim {
    None(&'static str),
    /// At most this many times plain SQLite's time.
    WithinOfSqlite(f64),
    FasterThanSqlcipher,
}

const ROWS: &[Row] = &[
    Row {
        label: "insert (one transaction)",
        pick: |s| &s.insert,
        aim: Aim::WithinOfSqlite(AIM_INSERT_VS_SQLITE),
    },
    Row {
        label: "unlock (KDF, open, checks)",
        pick: |s| &s.unlock,
        aim: Aim::None("information: the KDF is the point"),
    },
    Row {
        label: "list, after unlock",
        pick: |s| &s.list,
        aim: Aim::WithinOfSqlite(AIM_LIST_VS_SQLITE),
    },
    Row {
        label: "unlock + list",
        pick: |s| &s.unlock_and_list,
        aim: Aim::None("KDF-bound; see the two rows above"),
    },
    Row {
        label: "full-text search",
        pick: |s| &s.search,
        aim: Aim::FasterThanSqlcipher,
    },
    Row {
        label: "current medications",
        pick: |s| &s.current_medications,
        aim: Aim::None(""),
    },
    Row {
        label: "search by SQL LIKE",
        pick: |s| &s.search_like,
        aim: Aim::None("information: not the same search"),
    },
];

/// Prints everything to stdout.
pub fn print(
    plan: &Plan,
    n: usize,
    carnet: &EngineReport,
    plain: &EngineReport,
    sqlcipher: &Result<EngineReport, String>,
    breakdown: &Breakdown,
    others_busy: Option<f64>,
) {
    let cipher = sqlcipher.as_ref().ok();
    let cpus = std::thread::available_parallelism().map_or(0, |p| p.get());
    println!();
    println!(
        "Carnet vault vs plain SQLite vs SQLCipher: {n} records, one profile; median of {} \
         interleaved rounds; {cpus} logical CPUs; other processes kept {} CPUs busy meanwhile",
        plan.repetitions,
        others_busy.map_or("?".into(), |l| format!("{l:.2}")),
    );
    if others_busy.is_some_and(|l| l > 0.1) {
        println!(
            "  WARNING: other work ran on this machine during the benchmark; the figures are \
             noisy. Run again on a quiet machine."
        );
    }
    for engine in std::iter::once(carnet)
        .chain(std::iter::once(plain))
        .chain(cipher)
    {
        println!(
            "  {:<13} {}; {}",
            engine.engine,
            engine.library,
            engine.settings.join("; ")
        );
    }
    if let Err(why) = sqlcipher {
        println!("  SQLCipher     SKIPPED: {why}");
    }
    println!();
    println!(
        "{:<28} {:>11} {:>11} {:>12} {:>10} {:>12}  aim",
        "phase (ms, median)", "Carnet", "SQLite", "SQLCipher", "C/SQLite", "C/SQLCipher"
    );
    for row in ROWS {
        let c = median((row.pick)(&carnet.samples));
        let p = median((row.pick)(&plain.samples));
        let s = cipher.and_then(|r| median((row.pick)(&r.samples)));
        let vs_plain = ratio(c, p);
        let vs_cipher = ratio(c, s);
        let aim = match row.aim {
            Aim::None(note) => note.to_owned(),
            Aim::WithinOfSqlite(aim) => match vs_plain {
                Some(r) if r <= aim => format!("<= {aim}x SQLite: met"),
                Some(_) => format!("<= {aim}x SQLite: MISSED"),
                None => String::new(),
            },
            Aim::FasterThanSqlcipher => match vs_cipher {
                Some(r) if r < 1.0 => "faster than SQLCipher: met".to_owned(),
                Some(_) => "faster than SQLCipher: MISSED".to_owned(),
                None => "faster than SQLCipher: not measured".to_owned(),
            },
        };
        println!(
            "{:<28} {:>11} {:>11} {:>12} {:>10} {:>12}  {aim}",
            row.label,
            ms(c),
            ms(p),
            ms(s),
            fmt_ratio(vs_plain),
            fmt_ratio(vs_cipher)
        );
    }

    println!();
    println!("Same work everywhere (counts returned by each engine):");
    for engine in std::iter::once(carnet)
        .chain(std::iter::once(plain))
        .chain(cipher)
    {
        let c = &engine.counts;
        println!(
            "  {:<13} inserted {}, listed {}, search \"{}\" {} hits{}, current medications on {} {}; \
             file {:.1} MB",
            engine.engine,
            c.inserted,
            c.listed,
            plan.search_query,
            c.search_hits,
            c.search_like_hits
                .map(|h| format!(" (LIKE: {h})"))
                .unwrap_or_default(),
            plan.today,
            c.current_medications,
            engine.file_bytes as f64 / 1e6
        );
    }
    let same = |r: &EngineReport| {
        r.counts.inserted == carnet.counts.inserted
            && r.counts.listed == carnet.counts.listed
            && r.counts.search_hits == carnet.counts.search_hits
            && r.counts.current_medications == carnet.counts.current_medications
    };
    if same(plain) && cipher.is_none_or(same) {
        println!("  -> identical results from every engine.");
    } else {
        println!(
            "  -> WARNING: the engines returned different results; the timings do not compare."
        );
    }

    println!();
    println!("Where Carnet's time goes (pieces measured alone on the same {n} records, ms):");
    let mut phase = "";
    for part in &breakdown.parts {
        if part.phase != phase {
            phase = part.phase;
            println!("  {phase}:");
        }
        println!("    {:>9.1}  {}", part.ms, part.what);
    }
    for note in &breakdown.notes {
        println!("  note: {note}");
    }
}
