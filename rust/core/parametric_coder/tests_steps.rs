//! The encoder's interval pass against the scalar coder's own `interval`: every kernel
//! (AVX-512, AVX2, scalar), every family, precisions 1..=16, bounded supports anywhere in
//! `i32` and windows with escapes, scales from far below `2^-16` to far above `2^16`,
//! odd means (huge, tiny, negative zero, on the bounds), symbols at the `i32` extremes.

use crate::lanes::model::Step;
use crate::models::{Family, ModelSpec};
use crate::simd::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};
use crate::test_rng::xorshift64;

use super::steps::{round_kernel, single_finds, single_steps, Found};

/// The scalar coder's step for one symbol (`ModelLanes::put`'s arithmetic).
fn reference(spec: &ModelSpec, mean: f32, scale: f32, symbol: i32) -> Step {
    let p = spec.single(mean, scale);
    let bin = spec.bin_of(&p, symbol);
    let (start, freq) = spec.interval(&p, bin.unwrap_or(p.bins - 1));
    let escape = bin.is_none() && p.support.escape;
    Step {
        start,
        freq: freq | if escape { Step::ESCAPE } else { 0 },
    }
}

/// Parameters and symbols around `centre`, with the odd cases mixed in.
fn inputs(seed: u64, n: usize, centre: i32, width: i64) -> (Vec<f32>, Vec<f32>, Vec<i32>) {
    let mut next = xorshift64(seed);
    let odd_means = [
        0.0,
        -0.0,
        1e30,
        -1e30,
        1e-40,
        0.5,
        -0.5,
        3.25,
        f32::MAX,
        f32::MIN,
    ];
    let odd_scales = [
        1e-30,
        1e-10,
        1.0 / 65536.0,
        65536.0,
        1e10,
        1e30,
        f32::MAX,
        1e-45,
    ];
    let (mut means, mut scales, mut symbols) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let r = next();
        let offset = (r % (2 * width as u64 + 7)) as i64 - width - 3;
        let mean = match i % 5 {
            0 => odd_means[(r >> 40) as usize % odd_means.len()],
            _ => centre as f32 + offset as f32 * 0.37 + ((r >> 20) % 256) as f32 / 256.0,
        };
        let scale = match i % 7 {
            0 => odd_scales[(r >> 44) as usize % odd_scales.len()],
            // 2^-18 .. 2^18, log-uniform.
            _ => (((r >> 24) % 36_000) as f32 / 1000.0 - 18.0).exp2(),
        };
        let symbol = match i % 11 {
            0 => i32::MIN,
            1 => i32::MAX,
            _ => (centre as i64 + offset).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        };
        means.push(mean);
        scales.push(scale);
        symbols.push(symbol);
    }
    (means, scales, symbols)
}

/// Runs a pass under one kernel cap.
type Cap = for<'a> fn(Box<dyn FnOnce() -> Vec<Step> + 'a>) -> Vec<Step>;

fn check(spec: &ModelSpec, seed: u64, centre: i32, width: i64) {
    // Not a multiple of 8: the kernels' last positions go scalar.
    let n = if spec.precision() >= 12 { 2003 } else { 203 };
    let (means, scales, symbols) = inputs(seed, n, centre, width);
    let want: Vec<Step> = (0..n)
        .map(|i| reference(spec, means[i], scales[i], symbols[i]))
        .collect();
    let run = |cap: Cap| {
        cap(Box::new(|| {
            let mut out = vec![Step::default(); n];
            single_steps(spec, &means, &scales, &symbols, &mut out);
            out
        }))
    };
    let kernels: [(&str, Cap); 4] = [
        ("default", |f| f()),
        ("avx512", |f| with_avx512_lanes(f)),
        ("avx2", |f| with_avx2_lanes(f)),
        ("scalar", |f| with_scalar_lanes(f)),
    ];
    for (name, cap) in kernels {
        let got = run(cap);
        for i in 0..n {
            assert_eq!(
                got[i], want[i],
                "{name}: {spec:?} at {i}: mean {} scale {} symbol {}",
                means[i], scales[i], symbols[i]
            );
        }
    }
}

#[test]
fn every_kernel_gives_the_scalar_intervals() {
    let mut seed = 1;
    for family in [Family::Gaussian, Family::Laplace, Family::Logistic] {
        for precision in 1..=16u32 {
            let slots = 1i64 << precision;
            let full = slots.min(1 << 12);
            let bounded: [(i64, i64); 5] = [
                (0, 0),
                (-(full / 2), full - full / 2 - 1),
                (-3, (slots - 4).min(40)),
                (i32::MIN as i64, i32::MIN as i64 + full - 1),
                (i32::MAX as i64 - full + 1, i32::MAX as i64),
            ];
            for (lo, hi) in bounded {
                let spec = ModelSpec::new(family, precision, Some(lo as i32), Some(hi as i32));
                let spec = spec.unwrap_or_else(|e| panic!("{lo}..={hi} at {precision}: {e}"));
                seed += 1;
                check(&spec, seed, ((lo + hi) / 2) as i32, (hi - lo) / 2 + 3);
            }
            let spec = ModelSpec::new(family, precision, None, None).unwrap();
            for centre in [0, -1000, i32::MIN, i32::MAX] {
                seed += 1;
                check(&spec, seed, centre, 40);
            }
        }
    }
}

/// Runs a closure under one kernel cap.
type RunUnder = fn(&mut dyn FnMut());

/// The decoder's vector search against `ModelSpec::find`: a lane it answers gets `find`'s
/// `(bin, start, freq)` exactly; the others are left to `find` itself.
#[test]
fn every_kernel_finds_the_scalar_bins() {
    let mut seed = 500;
    let mut answered = 0usize;
    for family in [Family::Gaussian, Family::Laplace, Family::Logistic] {
        for precision in 1..=16u32 {
            let full = (1i64 << precision).min(1 << 12);
            let bounded: [(i64, i64); 4] = [
                (0, 0),
                (-(full / 2), full - full / 2 - 1),
                (i32::MIN as i64, i32::MIN as i64 + full - 1),
                (i32::MAX as i64 - full + 1, i32::MAX as i64),
            ];
            for (lo, hi) in bounded {
                let spec = ModelSpec::new(family, precision, Some(lo as i32), Some(hi as i32));
                let spec = spec.unwrap_or_else(|e| panic!("{lo}..={hi} at {precision}: {e}"));
                seed += 1;
                let n = 32 * 40;
                let (means, scales, _) = inputs(seed, n, ((lo + hi) / 2) as i32, (hi - lo) / 2);
                let mut next = xorshift64(seed);
                let slots: Vec<u32> = (0..n)
                    .map(|_| (next() % (1u64 << precision)) as u32)
                    .collect();
                let kernels: [(&str, RunUnder); 3] = [
                    ("default", |f| f()),
                    ("avx512", |f| with_avx512_lanes(f)),
                    ("avx2", |f| with_avx2_lanes(f)),
                ];
                for (name, cap) in kernels {
                    for lanes in [4, 8, 16, 32] {
                        let (mut bin, mut start, mut freq) = (vec![0; n], vec![0; n], vec![0; n]);
                        let mut ran = true;
                        cap(&mut || {
                            let Some(kernel) = round_kernel(&spec, lanes) else {
                                ran = false;
                                return;
                            };
                            for r in (0..n).step_by(lanes) {
                                let at = r..r + lanes;
                                let out = Found {
                                    bin: &mut bin[at.clone()],
                                    start: &mut start[at.clone()],
                                    freq: &mut freq[at.clone()],
                                };
                                let m = &means[at.clone()];
                                ran &=
                                    single_finds(&kernel, m, &scales[at.clone()], &slots[at], out);
                            }
                        });
                        if !ran {
                            continue;
                        }
                        for i in 0..n {
                            if freq[i] == 0 {
                                continue;
                            }
                            answered += 1;
                            let p = spec.single(means[i], scales[i]);
                            assert_eq!(
                                (bin[i], start[i], freq[i]),
                                spec.find(&p, slots[i]),
                                "{name}, {lanes} lanes: {spec:?} at {i}: mean {} scale {} slot {}",
                                means[i],
                                scales[i],
                                slots[i]
                            );
                        }
                    }
                }
            }
        }
    }
    // Most lanes are answered where the CPU has a kernel (none without AVX2).
    if crate::simd::avx2_allowed() {
        assert!(answered > 100_000, "{answered}");
    }
}
