//! Latency statistics: every sample is kept (a 10 s run at 50,000 requests/s is 4 MB),
//! and percentiles are nearest-rank over the sorted samples, so a reported p99 is a
//! latency some request really had.

use std::time::Duration;

/// Nearest-rank percentile of ascending `sorted` samples: the smallest sample that at
/// least `p` % of the samples are less than or equal to. `p` is clamped to 0..=100;
/// p0 is the minimum. `None` when there are no samples.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 100.0) };
    // The rank is at least 1 and at most n; the float-to-int cast saturates.
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

/// Latency samples in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    samples: Vec<u64>,
}

impl Latencies {
    /// An empty set with room for `capacity` samples.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            samples: Vec::with_capacity(capacity),
        }
    }

    /// Records one latency (microseconds, saturating).
    pub fn record(&mut self, latency: Duration) {
        self.samples
            .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: Latencies) {
        self.samples.extend(other.samples);
    }

    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Sorts the samples and summarises them.
    pub fn summary(mut self) -> Summary {
        self.samples.sort_unstable();
        let s = &self.samples;
        let sum: u128 = s.iter().map(|&v| u128::from(v)).sum();
        let at = |p| percentile(s, p).unwrap_or(0);
        Summary {
            count: s.len() as u64,
            mean_us: if s.is_empty() {
                0.0
            } else {
                sum as f64 / s.len() as f64
            },
            min_us: s.first().copied().unwrap_or(0),
            p50_us: at(50.0),
            p90_us: at(90.0),
            p99_us: at(99.0),
            max_us: s.last().copied().unwrap_or(0),
        }
    }
}

/// A latency summary, in microseconds; all zero when there were no samples.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Summary {
    pub count: u64,
    pub mean_us: f64,
    pub min_us: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_has_no_percentile() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(Latencies::default().summary(), Summary::default());
    }

    #[test]
    fn single_sample_is_every_percentile() {
        for p in [0.0, 1.0, 50.0, 99.0, 100.0] {
            assert_eq!(percentile(&[7], p), Some(7));
        }
    }

    #[test]
    fn nearest_rank_on_one_to_a_hundred() {
        let s: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&s, 0.0), Some(1));
        assert_eq!(percentile(&s, 1.0), Some(1));
        assert_eq!(percentile(&s, 50.0), Some(50));
        assert_eq!(percentile(&s, 90.0), Some(90));
        assert_eq!(percentile(&s, 99.0), Some(99));
        assert_eq!(percentile(&s, 99.5), Some(100));
        assert_eq!(percentile(&s, 100.0), Some(100));
    }

    #[test]
    fn nearest_rank_on_ten_samples() {
        // Ranks: p50 -> 5th, p90 -> 9th, p99 -> ceil(9.9) = 10th.
        let s: Vec<u64> = (1..=10).map(|v| v * 10).collect();
        assert_eq!(percentile(&s, 50.0), Some(50));
        assert_eq!(percentile(&s, 90.0), Some(90));
        assert_eq!(percentile(&s, 99.0), Some(100));
        assert_eq!(percentile(&s, 51.0), Some(60));
    }

    #[test]
    fn out_of_range_percentiles_are_clamped() {
        let s = [1, 2, 3];
        assert_eq!(percentile(&s, -5.0), Some(1));
        assert_eq!(percentile(&s, 250.0), Some(3));
        assert_eq!(percentile(&s, f64::NAN), Some(1));
    }

    #[test]
    fn p99_sees_the_slow_tail() {
        // 990 fast requests and 10 slow ones: p99 is the last fast one, max the slow.
        let mut l = Latencies::default();
        for _ in 0..990 {
            l.record(Duration::from_micros(100));
        }
        for _ in 0..10 {
            l.record(Duration::from_millis(50));
        }
        let s = l.summary();
        assert_eq!(s.count, 1000);
        assert_eq!(s.p50_us, 100);
        assert_eq!(s.p99_us, 100);
        assert_eq!(s.max_us, 50_000);
        assert_eq!(s.min_us, 100);
        assert!((s.mean_us - 599.0).abs() < 1e-9);
    }

    #[test]
    fn merge_and_unsorted_input() {
        let mut a = Latencies::default();
        let mut b = Latencies::with_capacity(3);
        for v in [30, 10, 20] {
            a.record(Duration::from_micros(v));
        }
        for v in [60, 40, 50] {
            b.record(Duration::from_micros(v));
        }
        a.merge(b);
        assert_eq!(a.len(), 6);
        let s = a.summary();
        assert_eq!((s.min_us, s.p50_us, s.max_us), (10, 30, 60));
    }
}
