//! Writing generated files: all rendered in memory first, then each changed file
//! through a temporary file and a rename, so a reader never sees half a file and an
//! unchanged file keeps its modification time (cargo does not rebuild for nothing).
//! Files are removed only when pushgen's own manifest from the last run lists them.

use crate::{Error, GeneratedFile};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The manifest pushgen keeps in an output directory: the files it wrote last time.
pub const MANIFEST: &str = ".pushgen-manifest";

/// Whether to write or only compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Change nothing; report what writing would change.
    Check,
}

/// What writing did (or, in [`Mode::Check`], would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Files created or rewritten.
    pub written: Vec<String>,
    /// Files whose content was already right.
    pub unchanged: Vec<String>,
    /// Files of the last run that this run no longer generates.
    pub removed: Vec<String>,
    /// Lines in all generated files.
    pub lines: usize,
}

impl Report {
    /// Whether the directory differs from what was generated.
    pub fn changed(&self) -> bool {
        !self.written.is_empty() || !self.removed.is_empty()
    }
}

/// Writes `files` into `dir` (created if missing), which pushgen owns: files of the last
/// run that this run does not generate are removed.
pub fn write(dir: &Path, files: &[GeneratedFile], mode: Mode) -> Result<Report, Error> {
    write_inner(dir, files, mode, true)
}

/// Writes `files` into a directory shared with others (`OUT_DIR`): no manifest, and
/// nothing is ever removed.
pub fn write_shared(dir: &Path, files: &[GeneratedFile], mode: Mode) -> Result<Report, Error> {
    write_inner(dir, files, mode, false)
}

fn write_inner(
    dir: &Path,
    files: &[GeneratedFile],
    mode: Mode,
    owned: bool,
) -> Result<Report, Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    let mut report = Report::default();
    for file in files {
        report.lines += file.lines();
        let path = dir.join(&file.name);
        match fs::read(&path) {
            Ok(existing) if existing == file.content.as_bytes() => {
                report.unchanged.push(file.name.clone())
            }
            _ => report.written.push(file.name.clone()),
        }
    }
    let manifest_path = dir.join(MANIFEST);
    let previous = if owned {
        fs::read_to_string(&manifest_path).unwrap_or_default()
    } else {
        String::new()
    };
    let current: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    report.removed = previous
        .lines()
        .filter(|l| !l.starts_with('#') && is_own_name(l) && !current.contains(l))
        .filter(|l| dir.join(l).is_file())
        .map(str::to_string)
        .collect();
    let manifest = manifest_text(&current);
    if mode == Mode::Check {
        return Ok(report);
    }
    if let Some(file) = files.iter().find(|f| !is_own_name(&f.name)) {
        return Err(Error::Write {
            path: dir.join(&file.name),
            source: std::io::Error::other("a generated file's name must stay inside the directory"),
        });
    }
    fs::create_dir_all(dir).map_err(io(dir))?;
    for file in files.iter().filter(|f| report.written.contains(&f.name)) {
        let path = dir.join(&file.name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        replace(&path, file.content.as_bytes())?;
    }
    if owned && previous != manifest {
        replace(&manifest_path, manifest.as_bytes())?;
    }
    for name in &report.removed {
        let path = dir.join(name);
        fs::remove_file(&path).map_err(io(&path))?;
    }
    Ok(report)
}

/// Refuses to write `files` into `dir` when that would touch a file pushgen did not
/// write: `dir` must be new, empty, or hold pushgen's manifest, and no file about to be
/// written may exist unless the manifest lists it. Writes nothing.
pub fn check_owned(dir: &Path, files: &[GeneratedFile]) -> Result<(), Error> {
    let refuse = |path: std::path::PathBuf, why: String| Error::Write {
        path,
        source: std::io::Error::other(why),
    };
    let Ok(mut entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let manifest = match fs::read_to_string(dir.join(MANIFEST)) {
        Ok(text) => text,
        Err(_) if entries.next().is_none() => return Ok(()),
        Err(_) => {
            return Err(refuse(
                dir.to_path_buf(),
                format!(
                    "the directory holds files pushgen did not write (it has no {MANIFEST});                      give a new or empty directory"
                ),
            ));
        }
    };
    let listed: BTreeSet<&str> = manifest.lines().filter(|l| !l.starts_with('#')).collect();
    for file in files {
        let path = dir.join(&file.name);
        if path.exists() && !listed.contains(file.name.as_str()) {
            return Err(refuse(
                path,
                "the file exists and pushgen did not write it; move it away first".into(),
            ));
        }
    }
    Ok(())
}

fn manifest_text(names: &BTreeSet<&str>) -> String {
    let mut text = String::from(
        "# Files pushgen generated here. pushgen removes a listed file it no longer generates;\n\
         # it never touches a file not listed.\n",
    );
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    text
}

/// A manifest line names a file inside the directory (`mod.rs`, `src/lib.rs`), never
/// a path elsewhere: relative, `/`-separated, no `.` or `..` steps, not the manifest.
pub fn is_own_name(name: &str) -> bool {
    !name.is_empty()
        && name != MANIFEST
        && !name.contains('\\')
        && name
            .split('/')
            .all(|step| !step.is_empty() && step != "." && step != ".." && !step.contains(':'))
}

/// Writes through a temporary file in the same directory and renames it into place.
fn replace(path: &Path, content: &[u8]) -> Result<(), Error> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.pushgen-tmp"));
    fs::write(&tmp, content).map_err(err)?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        err(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, content: &str) -> GeneratedFile {
        GeneratedFile {
            name: name.into(),
            content: content.into(),
        }
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("pushgen-output-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_changes_only_and_removes_only_its_own_files() {
        let dir = temp_dir("write");
        let first = [file("a.rs", "a\n"), file("b.rs", "b\n")];
        let report = write(&dir, &first, Mode::Write).unwrap();
        assert_eq!(report.written, ["a.rs", "b.rs"]);
        fs::write(dir.join("user.rs"), "mine").unwrap();

        let second = [file("a.rs", "a\n"), file("c.rs", "c\n")];
        let check = write(&dir, &second, Mode::Check).unwrap();
        assert!(check.changed());
        assert!(!dir.join("c.rs").exists(), "check mode writes nothing");

        let report = write(&dir, &second, Mode::Write).unwrap();
        assert_eq!(report.unchanged, ["a.rs"]);
        assert_eq!(report.written, ["c.rs"]);
        assert_eq!(report.removed, ["b.rs"]);
        assert!(!dir.join("b.rs").exists());
        assert_eq!(fs::read_to_string(dir.join("user.rs")).unwrap(), "mine");
        assert!(!write(&dir, &second, Mode::Check).unwrap().changed());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_may_live_in_subdirectories_but_never_outside() {
        let dir = temp_dir("nested");
        let nested = [file("src/api/mod.rs", "m\n"), file("Cargo.toml", "c\n")];
        write(&dir, &nested, Mode::Write).unwrap();
        assert_eq!(
            fs::read_to_string(dir.join("src/api/mod.rs")).unwrap(),
            "m\n"
        );
        let report = write(&dir, &nested[1..], Mode::Write).unwrap();
        assert_eq!(report.removed, ["src/api/mod.rs"]);
        for outside in ["../x.rs", "/etc/x", "a/../../x", "a//b", "./a", "c:x"] {
            assert!(!is_own_name(outside), "{outside}");
            let error = write(&dir, &[file(outside, "x")], Mode::Write).unwrap_err();
            assert!(
                error.to_string().contains("inside the directory"),
                "{error}"
            );
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
