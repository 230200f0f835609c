//! Parse and evaluate a typical expression. Goal: >= 1,000,000 evaluations/s of a
//! pre-parsed expression on one core. Run: `cargo bench -p hookflow-expr --bench eval`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hookflow_expr::{StaticContext, Template};
use std::hint::black_box;

const TYPICAL: &str = "@concat(triggerBody()?['name'], '-', string(add(variables('n'), 1)))";

fn context() -> StaticContext {
    StaticContext::from_json(&serde_json::json!({
        "variables": {"n": 41},
        "trigger": {"outputs": {
            "headers": {"Content-Type": "application/json"},
            "body": {"name": "order", "id": 17, "lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]}
        }}
    }))
    .expect("valid context")
}

fn bench(c: &mut Criterion) {
    let ctx = context();
    let template = Template::parse(TYPICAL).expect("parses");
    assert_eq!(
        template.evaluate(&ctx).expect("evaluates"),
        serde_json::json!("order-42")
    );

    let mut group = c.benchmark_group("typical");
    group.throughput(Throughput::Elements(1));
    group.bench_function("evaluate_preparsed", |b| {
        b.iter(|| black_box(&template).evaluate(black_box(&ctx)))
    });
    group.bench_function("parse", |b| b.iter(|| Template::parse(black_box(TYPICAL))));
    group.bench_function("parse_and_evaluate", |b| {
        b.iter(|| Template::parse(black_box(TYPICAL)).and_then(|t| t.evaluate(&ctx)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
