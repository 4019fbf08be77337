/**
 * JMH benchmarks of Cachet's public API, and the baselines they are compared with.
 *
 * <p>Every benchmark class says in its comment what it measures and why that is a fair measure.
 * The shared rules (docs/benchmarking.md): a fresh cache directory for every iteration, files deleted
 * in a {@code @TearDown}, a fixed, pre-touched heap so that the host's reclaiming of freed memory
 * is not measured, and ratios against a baseline measured in the same run.
 */
package io.cachet.benchmarks;
