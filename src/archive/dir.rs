//! Unpacked source trees (`read_path` on a directory): walked without ever following a
//! symlink, with the same limits, path checks and keep policy as archives. Symlinks and
//! special files become `archive-link` findings; FIFOs are never opened (that could block).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{ArchiveError, Collector, LinkKind};

pub(crate) fn read(root: &Path, c: &mut Collector<'_>) -> Result<(), ArchiveError> {
    let io_err = |p: &Path, source| ArchiveError::Io {
        path: p.display().to_string(),
        source,
    };
    // Depth-first, children in name order, so output is deterministic.
    let mut stack: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    let mut buf = vec![0u8; 1 << 16];
    while let Some((dir, rel)) = stack.pop() {
        let mut children: Vec<_> = fs::read_dir(&dir)
            .map_err(|e| io_err(&dir, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| io_err(&dir, e))?;
        children.sort_by_key(|e| e.file_name());
        let mut subdirs = Vec::new();
        for child in children {
            if c.stopped || !c.count_entry() {
                return Ok(());
            }
            let name = child.file_name();
            let raw = name.as_encoded_bytes();
            let mut rel_raw = rel.as_bytes().to_vec();
            if !rel_raw.is_empty() {
                rel_raw.push(b'/');
            }
            rel_raw.extend_from_slice(raw);
            let Some(Some(path)) = c.entry_path(&rel_raw) else {
                continue;
            };
            let full = child.path();
            let meta = fs::symlink_metadata(&full).map_err(|e| io_err(&full, e))?;
            let ft = meta.file_type();
            if ft.is_symlink() {
                let target = fs::read_link(&full).ok();
                let target = target.as_ref().map(|t| t.as_os_str().as_encoded_bytes());
                c.link(&path, LinkKind::Symlink, target);
                continue;
            }
            if ft.is_dir() {
                subdirs.push((full, path));
                continue;
            }
            if !ft.is_file() {
                c.link(&path, special_kind(&ft), None);
                continue;
            }
            let file = fs::File::open(&full).map_err(|e| io_err(&full, e))?;
            let declared = file.metadata().map(|m| m.len()).unwrap_or(0);
            let max = c.limits().max_file_size;
            let mut reader = file.take(max.saturating_add(1));
            let mut sink = c.sink(&path, declared);
            loop {
                let n = reader.read(&mut buf).map_err(|e| io_err(&full, e))?;
                if n == 0 {
                    break;
                }
                sink.push(&buf[..n]);
            }
            if sink.size() > max {
                let seen = sink.size();
                c.file_too_large(&path, seen, None);
                continue;
            }
            c.add_file(path, sink.finish());
        }
        // Reverse so the first name is popped first.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(())
}

#[cfg(unix)]
fn special_kind(ft: &fs::FileType) -> LinkKind {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_char_device() {
        LinkKind::CharDevice
    } else if ft.is_block_device() {
        LinkKind::BlockDevice
    } else if ft.is_socket() {
        LinkKind::Socket
    } else {
        LinkKind::Fifo
    }
}

#[cfg(not(unix))]
fn special_kind(_ft: &fs::FileType) -> LinkKind {
    LinkKind::Fifo
}
