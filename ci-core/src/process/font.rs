//! Fonts for `watermark/2`: the [`FontResolver`] hook, the [`Font`] it returns and
//! [`FontDir`], a ready-made resolver over a directory of font files.
//!
//! The engine bundles only DejaVu Sans (the cloud's fonts, e.g. `simhei黑体.ttf`,
//! `simfang仿宋.ttf`, `wqy-microhei文泉驿微米黑.ttf`, cannot be shipped), which has no
//! CJK glyphs. To draw Chinese, Japanese or Korean text, supply fonts: put the font files
//! in a directory under the names the cloud uses and hand a [`FontDir`] to
//! [`ExecuteOptions::font_resolver`](super::ExecuteOptions::font_resolver).
//!
//! Glyph fallback, per character: the font named by `font/<b64>` if the resolver has it
//! and it has a glyph for the character, else the resolver's default font (asked for with
//! the name `None`), else DejaVu Sans. **(ours)** As on the cloud today, an unknown font
//! name is not an error: the text falls back.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use ci_core::process::{execute, ExecuteOptions, FontDir};
//! use ci_core::rule::ProcessingRule;
//! let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");
//! let fonts = FontDir::new(format!("{fixtures}/fonts"))?;
//! let resolver = |name: Option<&str>| fonts.resolve(name);
//! let opts = ExecuteOptions { font_resolver: Some(&resolver), ..Default::default() };
//! // text "水印", font "DroidSansFallback-subset.ttf" (both URL-safe base64)
//! let rule = ProcessingRule::parse(
//!     "watermark/2/text/5rC05Y2w/font/RHJvaWRTYW5zRmFsbGJhY2stc3Vic2V0LnR0Zg/fontsize/40",
//! )?;
//! let photo = std::fs::read(format!("{fixtures}/corpus/photo.jpg"))?;
//! let out = execute(&photo, &rule, &opts)?;
//! assert_eq!((out.info.width, out.info.height), (640, 400));
//! // the directory resolver is usable on its own
//! assert!(fonts.resolve(Some("DroidSansFallback-subset.ttf")).is_some_and(|f| f.has_glyph('水')));
//! assert!(fonts.resolve(Some("no-such-font.ttf")).is_none());
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ab_glyph::{Font as _, FontArc, FontVec};

/// Maps the rule's font name (the decoded `font` parameter; `None` for the default font)
/// to a font. `None` from the resolver means "not here": the text falls back (see the
/// [module docs](self)). Called from the engine's parallel rules, hence `Send + Sync`.
pub type FontResolver<'a> = dyn Fn(Option<&str>) -> Option<Font> + Send + Sync + 'a;

/// Largest font file [`FontDir`] reads (64 MiB; the biggest CJK fonts are about 20 MB).
pub const MAX_FONT_FILE_BYTES: u64 = 64 << 20;

/// Names [`FontDir`] remembers (hits and misses). Names come from requests, so a server
/// would otherwise grow a map entry for every name a client makes up; past this many the
/// name map starts over (loaded files stay cached, so a repeat costs a directory read).
const MAX_CACHED_NAMES: usize = 1024;

/// A parsed font (TTF, OTF, or one face of a TTC/OTC collection). Cloning is cheap: the
/// font data is shared.
#[derive(Clone)]
pub struct Font(pub(crate) FontArc);

impl Font {
    /// Parses `data` as a font; for a collection (TTC/OTC) this is face 0.
    pub fn from_vec(data: Vec<u8>) -> Result<Font, FontError> {
        Font::from_vec_and_index(data, 0)
    }

    /// Parses face `index` of `data` (0 for a single font).
    pub fn from_vec_and_index(data: Vec<u8>, index: u32) -> Result<Font, FontError> {
        FontVec::try_from_vec_and_index(data, index)
            .map(|f| Font(FontArc::new(f)))
            .map_err(|e| FontError::InvalidFont {
                index,
                reason: e.to_string(),
            })
    }

    /// Whether the font has a glyph for `c` (not the `.notdef` box).
    pub fn has_glyph(&self, c: char) -> bool {
        self.0.glyph_id(c).0 != 0
    }
}

impl fmt::Debug for Font {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Font")
            .field("glyphs", &self.0.glyph_count())
            .finish()
    }
}

/// Why a font could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FontError {
    /// The name is not a plain file name (empty, a path separator, `..`, a NUL, a drive
    /// prefix): [`FontDir`] never reads outside its directory.
    #[error("font name {0:?} is not a plain file name")]
    InvalidName(String),
    /// The file resolves (through a symbolic link) to a place outside the directory.
    #[error("font {0:?} resolves to a file outside the font directory")]
    OutsideDirectory(String),
    /// Reading the directory or the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_FONT_FILE_BYTES`].
    #[error("{path} is over the font size limit of {limit} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// The bytes are not a font (or the collection has no face `index`).
    #[error("not a font (face {index}): {reason}")]
    InvalidFont {
        /// The face asked for.
        index: u32,
        /// What the parser said.
        reason: String,
    },
}

/// A [`FontResolver`] over a directory of font files: the font name is the file name,
/// exactly as the cloud names its fonts (`simhei黑体.ttf`).
///
/// Lookup of a name: the exact file name; else a case-insensitive match of the file name;
/// else, for a name without extension, a case-insensitive match of the name plus `.ttf`,
/// `.otf`, `.ttc` or `.otc` (first in sorted file-name order). Collections give face 0.
/// Names that are not plain file names are refused with [`FontError::InvalidName`]
/// ([`FontDir::load`]) or treated as unknown ([`FontDir::resolve`]); files that resolve
/// outside the directory through symbolic links are refused too (copy or hard-link
/// system fonts instead).
///
/// Loaded fonts are cached for the life of the `FontDir`, shared across threads; each
/// file is read once whatever names reach it. Names, misses included, are remembered up
/// to a bound (so a font added to the directory later may not be seen by a name that
/// already missed). Errors are not cached.
pub struct FontDir {
    root: PathBuf,
    default: Option<String>,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    /// Name asked for -> font (`None`: no such file).
    names: HashMap<String, Option<Font>>,
    /// File -> font, so that two spellings of one name share one load.
    files: HashMap<PathBuf, Font>,
}

impl fmt::Debug for FontDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FontDir")
            .field("root", &self.root)
            .field("default", &self.default)
            .finish()
    }
}

impl FontDir {
    /// A resolver over the directory `path` (which must exist), without a default font.
    pub fn new(path: impl AsRef<Path>) -> Result<FontDir, FontError> {
        let path = path.as_ref();
        let io = |source| FontError::Io {
            path: path.to_path_buf(),
            source,
        };
        let root = path.canonicalize().map_err(io)?;
        if !root.is_dir() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            )));
        }
        Ok(FontDir {
            root,
            default: None,
            cache: Mutex::new(Cache::default()),
        })
    }

    /// Sets the font used when the rule names none, and for the characters the named
    /// font lacks. Without it those fall back to the bundled DejaVu Sans.
    #[must_use]
    pub fn with_default(mut self, name: impl Into<String>) -> FontDir {
        self.default = Some(name.into());
        self
    }

    /// The font called `name`: `Ok(None)` when the directory has no such file.
    pub fn load(&self, name: &str) -> Result<Option<Font>, FontError> {
        check_name(name)?;
        if let Some(hit) = self.lock().names.get(name) {
            return Ok(hit.clone());
        }
        let font = match self.find(name)? {
            Some(path) => {
                let cached = self.lock().files.get(&path).cloned();
                let font = match cached {
                    Some(f) => f,
                    None => {
                        let f = self.read(name, &path)?;
                        self.lock().files.entry(path).or_insert(f).clone()
                    }
                };
                Some(font)
            }
            None => None,
        };
        let mut cache = self.lock();
        if cache.names.len() >= MAX_CACHED_NAMES {
            cache.names.clear();
        }
        Ok(cache.names.entry(name.to_string()).or_insert(font).clone())
    }

    /// The resolver function: `name` or, for `None`, the default font. Every error
    /// (a refused name, an unreadable file, not a font) reads as "no such font", so the
    /// text falls back as it does on the cloud. Use [`FontDir::load`] to see the error.
    pub fn resolve(&self, name: Option<&str>) -> Option<Font> {
        let name = name.or(self.default.as_deref())?;
        self.load(name).ok().flatten()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn find(&self, name: &str) -> Result<Option<PathBuf>, FontError> {
        let exact = self.root.join(name);
        if exact.is_file() {
            return Ok(Some(exact));
        }
        let io = |source| FontError::Io {
            path: self.root.clone(),
            source,
        };
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        for entry in std::fs::read_dir(&self.root).map_err(io)? {
            let entry = entry.map_err(io)?;
            if let Ok(file_name) = entry.file_name().into_string() {
                let path = entry.path();
                if path.is_file() {
                    files.push((file_name, path));
                }
            }
        }
        files.sort();
        let wanted = name.to_lowercase();
        if let Some((_, p)) = files.iter().find(|(f, _)| f.to_lowercase() == wanted) {
            return Ok(Some(p.clone()));
        }
        if Path::new(name).extension().is_none() {
            for ext in ["ttf", "otf", "ttc", "otc"] {
                let wanted = format!("{wanted}.{ext}");
                if let Some((_, p)) = files.iter().find(|(f, _)| f.to_lowercase() == wanted) {
                    return Ok(Some(p.clone()));
                }
            }
        }
        Ok(None)
    }

    fn read(&self, name: &str, path: &Path) -> Result<Font, FontError> {
        let io = |source| FontError::Io {
            path: path.to_path_buf(),
            source,
        };
        let real = path.canonicalize().map_err(io)?;
        if !real.starts_with(&self.root) {
            return Err(FontError::OutsideDirectory(name.to_string()));
        }
        let file = std::fs::File::open(&real).map_err(io)?;
        let mut data = Vec::new();
        file.take(MAX_FONT_FILE_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(io)?;
        if data.len() as u64 > MAX_FONT_FILE_BYTES {
            return Err(FontError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_FONT_FILE_BYTES,
            });
        }
        Font::from_vec(data)
    }
}

/// A plain file name: one normal path component, no separator of any platform, no `..`.
fn check_name(name: &str) -> Result<(), FontError> {
    let mut components = Path::new(name).components();
    let plain = matches!(components.next(), Some(Component::Normal(_)))
        && components.next().is_none()
        && !name.contains(['/', '\\', '\0', ':'])
        && !name.contains("..");
    if plain {
        Ok(())
    } else {
        Err(FontError::InvalidName(name.to_string()))
    }
}

/// Fonts for one text: the named font, the default font, DejaVu Sans (always last).
pub(crate) fn chain(
    resolver: Option<&FontResolver<'_>>,
    name: Option<&str>,
    bundled: FontArc,
) -> Vec<FontArc> {
    let mut fonts = Vec::with_capacity(3);
    if let Some(r) = resolver {
        if let Some(n) = name {
            if let Some(f) = r(Some(n)) {
                fonts.push(f.0);
            }
        }
        if let Some(f) = r(None) {
            fonts.push(f.0);
        }
    }
    fonts.push(bundled);
    fonts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_names_are_bounded() {
        let dir = FontDir::new(env!("CARGO_MANIFEST_DIR")).expect("dir");
        for i in 0..MAX_CACHED_NAMES + 10 {
            assert!(dir
                .load(&format!("made-up-{i}.ttf"))
                .expect("plain name")
                .is_none());
        }
        let remembered = dir.lock().names.len();
        assert!(
            (1..=MAX_CACHED_NAMES).contains(&remembered),
            "{remembered} names remembered"
        );
    }

    #[test]
    fn names_outside_the_directory_are_refused() {
        for bad in [
            "",
            ".",
            "..",
            "../x.ttf",
            "a/b.ttf",
            "a\\b.ttf",
            "/etc/passwd",
            "x..ttf",
            "c:x.ttf",
            "a\0b",
        ] {
            assert!(
                matches!(check_name(bad), Err(FontError::InvalidName(_))),
                "{bad:?}"
            );
        }
        for good in [
            "simhei黑体.ttf",
            "wqy-microhei文泉驿微米黑.ttf",
            "a b.otf",
            ".hidden",
        ] {
            assert!(check_name(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn garbage_is_not_a_font() {
        assert!(matches!(
            Font::from_vec(b"not a font".to_vec()),
            Err(FontError::InvalidFont { index: 0, .. })
        ));
    }

    #[test]
    fn font_dir_is_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<FontDir>();
        assert_send_sync::<Font>();
    }
}
