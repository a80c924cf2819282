//! `/metrics`: the source's counters and gauges and the per-stage latency histograms, encoded
//! by `prometheus-client` in the OpenMetrics text format (which Prometheus scrapes natively).
//!
//! Built per scrape from one [`MetricsSnapshot`] and one [`Latency`]: the engine keeps its own
//! counters (atomics, hdrhistogram) and the exporter only formats them, so scraping adds
//! nothing to the trading path.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use crate::model::Latency;
use crate::source::{FamilyKind, MetricsSnapshot};

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug)]
struct Scrape {
    snapshot: MetricsSnapshot,
    latency: Latency,
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for family in &self.snapshot.families {
            let kind = match family.kind {
                FamilyKind::Counter => MetricType::Counter,
                FamilyKind::Gauge => MetricType::Gauge,
            };
            let mut metric = encoder.encode_descriptor(family.name, family.help, None, kind)?;
            for sample in &family.samples {
                let labels: Vec<(&str, &str)> =
                    sample.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let encoder = metric.encode_family(&labels)?;
                match family.kind {
                    FamilyKind::Counter => ConstCounter::new(sample.value).encode(encoder)?,
                    FamilyKind::Gauge => ConstGauge::new(sample.value).encode(encoder)?,
                }
            }
        }
        let mut metric = encoder.encode_descriptor(
            "stage_latency",
            "Latency of each stage of the trading path since start (hdrhistogram, 3 significant digits)",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for stage in &self.latency.stages {
            let labels = [("stage", stage.stage.as_str())];
            let mut encoder = metric.encode_family(&labels)?;
            let buckets: Vec<(f64, u64)> =
                stage.buckets.iter().map(|b| (b.le_ns as f64 / 1e9, b.count)).collect();
            // The sum is estimated from the buckets' upper bounds (hdrhistogram keeps no sum).
            let mut sum = 0.0;
            let mut below = 0;
            for b in &stage.buckets {
                sum += (b.count - below) as f64 * b.le_ns as f64 / 1e9;
                below = b.count;
            }
            encoder.encode_histogram::<NoLabelSet>(sum, stage.count, &buckets, None)?;
        }
        Ok(())
    }
}

/// Encodes one scrape.
pub fn render(snapshot: MetricsSnapshot, latency: Latency) -> String {
    let mut registry = Registry::with_prefix("hlmm");
    registry.register_collector(Box::new(Scrape { snapshot, latency }));
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Bucket, StageLatency};
    use crate::source::{Family, Sample};

    #[test]
    fn counters_gauges_and_stage_histograms_are_exposed_with_the_hlmm_prefix() {
        let snapshot = MetricsSnapshot {
            families: vec![
                Family {
                    name: "frames",
                    help: "Frames received",
                    kind: FamilyKind::Counter,
                    samples: vec![Sample { labels: vec![], value: 42.0 }],
                },
                Family {
                    name: "position_size",
                    help: "Signed position, coins",
                    kind: FamilyKind::Gauge,
                    samples: vec![Sample {
                        labels: vec![("coin".into(), "BTC".into())],
                        value: -0.5,
                    }],
                },
            ],
        };
        let latency = Latency {
            stages: vec![StageLatency {
                stage: "parse".into(),
                count: 3,
                buckets: vec![Bucket { le_ns: 1_000, count: 1 }, Bucket { le_ns: 2_000, count: 3 }],
                ..StageLatency::default()
            }],
        };
        let text = render(snapshot, latency);
        for line in [
            "# TYPE hlmm_frames counter",
            "hlmm_frames_total 42",
            "hlmm_position_size{coin=\"BTC\"} -0.5",
            "# TYPE hlmm_stage_latency_seconds histogram",
            "hlmm_stage_latency_seconds_bucket{le=\"0.000001\",stage=\"parse\"} 1",
            "hlmm_stage_latency_seconds_count{stage=\"parse\"} 3",
            "# EOF",
        ] {
            assert!(text.contains(line), "missing `{line}` in\n{text}");
        }
    }
}
