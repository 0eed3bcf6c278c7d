//! Issue 3's benchmark: the engine against a hand-written floor on generated manifests.
//!
//! - `eval_only/{floor,engine}`: one thread, resources already parsed and in memory; the
//!   engine's `evaluate` per resource against `floor::check` per resource.
//! - `batch/{one_thread,all_cores}`: `evaluate_batch` in a one-thread rayon pool against the
//!   global pool (all cores).
//!
//! Before any timing the engine's verdicts are cross-checked against the floor resource by
//! resource (the bench panics on a difference), and an indicative per-kind / per-policy
//! breakdown is printed. After the runs a summary gives the criterion medians, then paired
//! ratios (engine/floor, batch speed-up, and a no-engine control of the speed-up) that hold
//! up on a noisy machine. Figures and how to run: `benches/README.md`.

// A bench is a program: it may unwrap, panic and print, and it reads criterion's estimates
// back from the target directory for the summary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods,
    missing_docs
)]

#[cfg(feature = "bench-mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "eval/floor.rs"]
mod floor;
#[path = "eval/manifests.rs"]
mod manifests;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use criterion::{Criterion, Throughput};
use policy_eval::{Engine, EvalContext, Evaluation, Stage};
use policy_model::{Document, KyvernoPolicy, RuleStatus, load_str};
use rayon::prelude::*;
use serde_json::Value;

/// How many resources one iteration evaluates. Large enough that the set (~30 KB of
/// `serde_json::Value` per resource) does not sit in cache, small enough for a 2-core run.
const RESOURCES: usize = 2_000;

const POLICIES: &str = include_str!("eval/policies.yaml");

fn policies() -> Vec<KyvernoPolicy> {
    let out = load_str("policies.yaml", POLICIES);
    assert!(
        out.errors.is_empty(),
        "policies do not load: {:?}",
        out.errors
    );
    let policies: Vec<KyvernoPolicy> = out
        .documents
        .into_iter()
        .map(|d| match d.document {
            Document::Policy(p) => *p,
            other => panic!("not a Kyverno policy: {other:?}"),
        })
        .collect();
    assert_eq!(policies.len(), floor::CHECKS.len());
    policies
}

fn engine() -> Engine {
    let engine = Engine::builder().policies(policies()).build().unwrap();
    assert!(
        engine.skipped().is_empty(),
        "skipped policies: {:?}",
        engine.skipped()
    );
    engine
}

/// The engine's verdict in the floor's shape: bit `i` set when policy `i` failed.
fn engine_bits(e: &Evaluation) -> u8 {
    let mut bits = 0;
    for (i, response) in e.responses.iter().enumerate() {
        assert_eq!(response.stage, Stage::Validate);
        for r in &response.results {
            match r.status {
                RuleStatus::Fail => bits |= 1 << i,
                RuleStatus::Pass | RuleStatus::Skip => {}
                other => panic!(
                    "{}/{}: unexpected {other:?}: {}",
                    r.policy, r.rule, r.message
                ),
            }
        }
    }
    bits
}

/// Runs once before timing: the engine and the floor agree on every resource and check.
fn cross_check(engine: &Engine, resources: &[Value], ctx: &EvalContext) {
    let mut floor_counts = [0usize; 6];
    let mut engine_counts = [0usize; 6];
    let batch = engine.evaluate_batch(resources, ctx);
    for (i, (r, e)) in resources.iter().zip(&batch).enumerate() {
        let want = floor::check(r);
        let got = engine_bits(e);
        assert_eq!(
            got,
            engine_bits(&engine.evaluate(r, ctx)),
            "resource {i}: batch and single evaluation differ"
        );
        for (k, (f, n)) in floor_counts.iter_mut().zip(&mut engine_counts).enumerate() {
            *f += usize::from(want & (1 << k) != 0);
            *n += usize::from(got & (1 << k) != 0);
        }
        if want != got {
            panic!(
                "resource {i} ({}): floor says {want:06b}, engine says {got:06b} (bit 0 = check a)\n{}\n{:#?}",
                e.resource.kind,
                serde_json::to_string_pretty(r).unwrap(),
                e.responses
            );
        }
    }
    assert_eq!(floor_counts, engine_counts);
    let kinds = ["Pod", "Deployment", "CronJob", "Service", "Namespace"].map(|k| {
        let n = resources.iter().filter(|r| r["kind"] == k).count();
        format!("{k} {n}")
    });
    let counts: Vec<String> = floor::CHECKS
        .iter()
        .zip(floor_counts)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    eprintln!(
        "cross-check: {RESOURCES} resources ({}), engine == floor on every resource",
        kinds.join(", ")
    );
    eprintln!("violations per check: {}", counts.join(", "));
}

/// Median of `runs` timings of `f`, in µs per resource of `n`.
fn quick_median(runs: usize, n: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6 / n.max(1) as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

/// An indicative one-thread breakdown (median of 3 plain passes, not criterion): where the
/// engine's time goes by resource kind and by policy, next to the floor.
fn breakdown(engine: &Engine, resources: &[Value], ctx: &EvalContext) {
    eprintln!("breakdown (1 thread, median of 3 passes, µs per resource):");
    for kind in ["Pod", "Deployment", "CronJob", "Service", "Namespace"] {
        let set: Vec<&Value> = resources.iter().filter(|r| r["kind"] == kind).collect();
        let e = quick_median(3, set.len(), || {
            set.iter()
                .for_each(|r| drop(black_box(engine.evaluate(r, ctx))));
        });
        let f = quick_median(3, set.len(), || {
            for r in &set {
                black_box(floor::check(r));
            }
        });
        eprintln!(
            "  {kind:26} engine {e:8.1}   floor {f:6.2}   ratio {:6.0} x",
            e / f
        );
    }
    for (check, policy) in floor::CHECKS.iter().zip(policies()) {
        let name = policy.name().to_owned();
        let one = Engine::builder().policies([policy]).build().unwrap();
        let e = quick_median(3, resources.len(), || {
            resources
                .iter()
                .for_each(|r| drop(black_box(one.evaluate(r, ctx))));
        });
        eprintln!("  ({check}) {name:26} engine {e:8.1}   (all kinds, one policy)");
    }
    let t = quick_median(3, resources.len(), || {
        resources.iter().for_each(|r| drop(black_box(r.clone())));
    });
    eprintln!("  one deep clone + drop of a resource: {t:.1}   (all kinds)");
}

/// Seconds taken by one call of `f`.
fn seconds(f: &mut impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// Time(a) / time(b) over `pairs` back-to-back pairs, alternating which goes first: on a
/// noisy machine a ratio of neighbours is far steadier than a ratio of two separate runs.
/// Returns the median with the min and max.
fn paired(pairs: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64, f64) {
    let mut ratios: Vec<f64> = (0..pairs)
        .map(|i| {
            if i % 2 == 0 {
                let ta = seconds(&mut a);
                ta / seconds(&mut b)
            } else {
                let tb = seconds(&mut b);
                seconds(&mut a) / tb
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    (ratios[pairs / 2], ratios[0], ratios[pairs - 1])
}

fn main() {
    let resources = manifests::resources(RESOURCES);
    let engine = engine();
    let ctx = EvalContext {
        now: SystemTime::UNIX_EPOCH,
        ..EvalContext::default()
    };
    cross_check(&engine, &resources, &ctx);
    breakdown(&engine, &resources, &ctx);

    let started = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok();
    let mut c = Criterion::default().sample_size(10).configure_from_args();

    let mut g = c.benchmark_group("eval_only");
    g.throughput(Throughput::Elements(RESOURCES as u64));
    g.bench_function("floor", |b| {
        b.iter(|| {
            resources
                .iter()
                .map(|r| u32::from(floor::check(black_box(r))))
                .sum::<u32>()
        })
    });
    g.bench_function("engine", |b| {
        b.iter(|| {
            resources
                .iter()
                .map(|r| engine.evaluate(black_box(r), &ctx).responses.len())
                .sum::<usize>()
        })
    });
    g.finish();

    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(RESOURCES as u64));
    g.bench_function("one_thread", |b| {
        b.iter(|| one.install(|| engine.evaluate_batch(black_box(&resources), &ctx)))
    });
    g.bench_function("all_cores", |b| {
        b.iter(|| engine.evaluate_batch(black_box(&resources), &ctx))
    });
    g.finish();

    c.final_summary();
    summary(started);

    // Other processes steal cores from the all-cores side: say how busy the machine was.
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "  load average before the pairs: {} (1, 5, 15 min)",
            load.join(" ")
        );
    }
    // Paired ratios: each pair runs both sides back to back over the whole set.
    let (r, lo, hi) = paired(
        5,
        || {
            resources
                .iter()
                .for_each(|r| drop(black_box(engine.evaluate(r, &ctx))));
        },
        || {
            for r in &resources {
                black_box(floor::check(r));
            }
        },
    );
    println!("  paired, 5 pairs: engine / floor    {r:.1} x  (min {lo:.1}, max {hi:.1})");
    let (r, lo, hi) = paired(
        5,
        || {
            drop(black_box(
                one.install(|| engine.evaluate_batch(&resources, &ctx)),
            ))
        },
        || drop(black_box(engine.evaluate_batch(&resources, &ctx))),
    );
    println!("  paired, 5 pairs: batch speed-up    {r:.2} x  (min {lo:.2}, max {hi:.2})");
    // Control: the same split of an allocation-heavy job that has no engine in it (one deep
    // clone and drop per resource). When it does not scale either, the cores were busy.
    let clone_all = || {
        resources
            .par_iter()
            .for_each(|r| drop(black_box(r.clone())));
    };
    let (r, lo, hi) = paired(5, || one.install(clone_all), clone_all);
    println!("  paired, 5 pairs: control speed-up  {r:.2} x  (min {lo:.2}, max {hi:.2})");
}

/// Criterion's median for one benchmark of this run, in ns per iteration.
fn median_ns(group: &str, id: &str, started: Option<std::time::Duration>) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target
        .join("criterion")
        .join(group)
        .join(id)
        .join("new/estimates.json");
    // Only estimates written by this run count (a filtered run leaves older ones behind).
    let modified = std::fs::metadata(&path)
        .ok()?
        .modified()
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?;
    if started.is_some_and(|s| modified < s) {
        return None;
    }
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn summary(started: Option<std::time::Duration>) {
    let per_second = |ns: f64| RESOURCES as f64 / (ns / 1e9);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let floor = median_ns("eval_only", "floor", started);
    let engine = median_ns("eval_only", "engine", started);
    let one = median_ns("batch", "one_thread", started);
    let all = median_ns("batch", "all_cores", started);
    println!("\nsummary (criterion medians, {RESOURCES} resources per iteration, {cores} cores):");
    for (name, ns) in [
        ("floor, 1 thread", floor),
        ("engine evaluate, 1 thread", engine),
        ("engine evaluate_batch, 1 thread", one),
        ("engine evaluate_batch, all cores", all),
    ] {
        if let Some(ns) = ns {
            println!(
                "  {name:34} {:>10.0} res/s  {:>8.2} µs/res",
                per_second(ns),
                ns / 1e3 / RESOURCES as f64
            );
        }
    }
    if let (Some(f), Some(e)) = (floor, engine) {
        println!(
            "  engine / floor (eval only):        {:.1} x   (target: <= 2 x)",
            e / f
        );
    }
    if let (Some(o), Some(a)) = (one, all) {
        println!(
            "  batch speed-up, {cores} cores vs 1:      {:.2} x  (target: >= 1.8 x on 2 cores)",
            o / a
        );
    }
}
