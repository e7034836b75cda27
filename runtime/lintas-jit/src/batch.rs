//! Batch evaluation: many records, one decision, results in input order,
//! on one thread or across all cores (each thread with its own
//! evaluator; the compiled code and constant memory are shared).

use crate::native::Native;
use lintas_check::value::Value;
use lintas_eval::decide::DecisionResult;
use lintas_eval::decode::{DecodeError, DecodeOptions};

impl Native {
    /// Decides JSON records (one text each); `threads` of 0 means one per
    /// core. A record that cannot be decoded fails closed, as always.
    pub fn decide_json_batch(
        &self,
        decision: usize,
        records: &[&str],
        context: &Value,
        options: DecodeOptions,
        threads: usize,
    ) -> Vec<DecisionResult> {
        self.split(records, threads, |evaluator, chunk| {
            chunk
                .iter()
                .map(|json| evaluator.decide_json(decision, json, context, options))
                .collect()
        })
    }

    /// Decides records already decoded.
    pub fn decide_batch(
        &self,
        decision: usize,
        records: &[Value],
        context: &Value,
        threads: usize,
    ) -> Vec<DecisionResult> {
        self.split(records, threads, |evaluator, chunk| {
            chunk
                .iter()
                .map(|record| evaluator.decide(decision, record, context))
                .collect()
        })
    }

    /// Decides whole manifests (each with its own aggregates), spread
    /// across threads manifest by manifest.
    pub fn decide_manifests(
        &self,
        decision: usize,
        manifests: &[Vec<Result<Value, Vec<DecodeError>>>],
        context: &Value,
        threads: usize,
    ) -> Vec<Vec<DecisionResult>> {
        self.split(manifests, threads, |evaluator, chunk| {
            chunk
                .iter()
                .map(|members| evaluator.decide_manifest(decision, members, context))
                .collect()
        })
    }

    fn split<T: Sync, R: Send>(
        &self,
        items: &[T],
        threads: usize,
        work: impl Fn(&mut crate::Evaluator<'_>, &[T]) -> Vec<R> + Sync,
    ) -> Vec<R> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, usize::from)
        } else {
            threads
        };
        if threads <= 1 || items.len() < 2 {
            return work(&mut self.evaluator(), items);
        }
        let chunk = items.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = items
                .chunks(chunk)
                .map(|part| scope.spawn(|| work(&mut self.evaluator(), part)))
                .collect();
            // A thread only panics on a bug; its records are then decided
            // again here rather than lost.
            handles
                .into_iter()
                .zip(items.chunks(chunk))
                .flat_map(|(h, part)| {
                    h.join()
                        .unwrap_or_else(|_| work(&mut self.evaluator(), part))
                })
                .collect()
        })
    }
}
