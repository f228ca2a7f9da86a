//! What the kernel-timing examples share: reproducible data without a dependency, and the
//! kernels the CPU may have, each run under its `testing::with_*_lanes` cap.

use fastrans::testing::{with_avx2_lanes, with_avx512_lanes, with_scalar_lanes};

/// xorshift64*.
pub struct Rng(pub u64);

impl Rng {
    /// A uniform draw from `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Runs a closure with the kernels capped at one level.
pub type Kernel = fn(&mut dyn FnMut()) -> ();

/// AVX-512, AVX2 and scalar, by name (a cap the CPU lacks runs the best it has).
pub const KERNELS: [(&str, Kernel); 3] = [
    ("avx512", |f| with_avx512_lanes(f)),
    ("avx2", |f| with_avx2_lanes(f)),
    ("scalar", |f| with_scalar_lanes(f)),
];
