//! Animations: `cgif` frame sampling.

use crate::process::codec::Frame;

/// **(ours)** `cgif/1` means the default of 30 frames.
pub(crate) const CGIF_DEFAULT_FRAMES: usize = 30;

/// `cgif/<n>`: keeps `n` frames (1 → 30) evenly sampled; each kept frame shows for the
/// summed durations of the frames it stands for, so the loop keeps its length. Fewer
/// frames than asked: unchanged.
pub(crate) fn cgif(frames: Vec<Frame>, n: u8) -> Vec<Frame> {
    let want = if n <= 1 {
        CGIF_DEFAULT_FRAMES
    } else {
        usize::from(n)
    };
    let len = frames.len();
    if len <= want {
        return frames;
    }
    // Frame k of the output covers input frames [k*len/want, (k+1)*len/want).
    let mut out = Vec::with_capacity(want);
    let mut frames: Vec<Option<Frame>> = frames.into_iter().map(Some).collect();
    for k in 0..want {
        let start = k * len / want;
        let end = ((k + 1) * len / want).max(start + 1);
        let delay: u32 = frames[start..end]
            .iter()
            .flatten()
            .map(|f| f.delay_ms)
            .fold(0u32, u32::saturating_add);
        if let Some(mut f) = frames[start].take() {
            f.delay_ms = delay;
            out.push(f);
        }
    }
    out
}
