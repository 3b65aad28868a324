//! The memory limit of the container the process runs in, from its cgroup: `memory.max` under
//! cgroup v2 (most Kubernetes nodes), `memory.limit_in_bytes` under cgroup v1.
//!
//! The process's group is named in `/proc/self/cgroup`, and the hierarchy's mount point in
//! `/proc/self/mountinfo`. In a container the mount's root is usually the container's own group
//! (a cgroup namespace, or a bind mount of that subtree), so the group's path is taken relative
//! to the mount's root. A parent group's limit binds too: v2 is walked up to the mount point,
//! and v1's `memory.stat` gives `hierarchical_memory_limit`. A limit at or above the machine's
//! memory (`MemTotal`) limits nothing, so it counts as none.
//!
//! Everything is parsed from text handed in, so tests need no real cgroup: [`find`] takes the
//! three files' contents and a function reading the group's files.

use std::fmt;
use std::path::{Path, PathBuf};

/// Which cgroup version a limit came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// cgroup v1: `memory.limit_in_bytes` (or `hierarchical_memory_limit`).
    V1,
    /// cgroup v2: `memory.max`.
    V2,
}

/// A container memory limit, and the file it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryLimit {
    /// The limit, in bytes.
    pub bytes: u64,
    /// The cgroup version.
    pub version: Version,
    /// The file that holds it.
    pub file: PathBuf,
}

impl fmt::Display for MemoryLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = match self.version {
            Version::V1 => "v1",
            Version::V2 => "v2",
        };
        write!(
            f,
            "cgroup {version} limit of {} bytes ({})",
            self.bytes,
            self.file.display()
        )
    }
}

/// The limit of this process's memory cgroup, if it has one: reads `/proc/self/cgroup`,
/// `/proc/self/mountinfo`, `/proc/meminfo` and the group's files.
pub fn memory_limit() -> Option<MemoryLimit> {
    let read = |path: &Path| std::fs::read_to_string(path).ok();
    find(
        &read(Path::new("/proc/self/cgroup"))?,
        &read(Path::new("/proc/self/mountinfo"))?,
        read(Path::new("/proc/meminfo")).as_deref(),
        read,
    )
}

/// The memory limit that `cgroup` (`/proc/self/cgroup`), `mountinfo` (`/proc/self/mountinfo`)
/// and `meminfo` (`/proc/meminfo`) describe, reading the group's files with `read`. v2 is
/// tried first; on a machine with both (v1 controllers beside an empty v2 hierarchy), v2 has
/// no `memory.max` and v1 answers.
pub fn find(
    cgroup: &str,
    mountinfo: &str,
    meminfo: Option<&str>,
    read: impl Fn(&Path) -> Option<String>,
) -> Option<MemoryLimit> {
    let machine = meminfo.and_then(mem_total);
    let limit =
        v2_limit(cgroup, mountinfo, &read).or_else(|| v1_limit(cgroup, mountinfo, &read))?;
    match machine {
        Some(total) if limit.bytes >= total => None,
        _ => Some(limit),
    }
}

/// cgroup v1 writes this (`PAGE_COUNTER_MAX` pages) for "no limit"; anything this large is none.
const UNLIMITED: u64 = 1 << 60;

fn v2_limit(
    cgroup: &str,
    mountinfo: &str,
    read: &impl Fn(&Path) -> Option<String>,
) -> Option<MemoryLimit> {
    let group = cgroup.lines().find_map(|line| {
        let mut fields = line.splitn(3, ':');
        match (fields.next(), fields.next(), fields.next()) {
            (Some("0"), Some(""), Some(path)) => Some(path),
            _ => None,
        }
    })?;
    let mount = mounts(mountinfo).find(|mount| mount.fstype == "cgroup2")?;
    let start = group_directory(&mount, group, |dir| read(&dir.join("memory.max")).is_some());
    // The tightest limit from the group up to the mount point; the root group has no file.
    let mut tightest: Option<MemoryLimit> = None;
    let mut dir = start.as_path();
    loop {
        let file = dir.join("memory.max");
        if let Some(bytes) = read(&file).and_then(|text| parse_limit(&text))
            && tightest.as_ref().is_none_or(|t| bytes < t.bytes)
        {
            tightest = Some(MemoryLimit {
                bytes,
                version: Version::V2,
                file,
            });
        }
        if dir == mount.point {
            break;
        }
        match dir.parent() {
            Some(parent) if parent.starts_with(&mount.point) => dir = parent,
            _ => break,
        }
    }
    tightest
}

fn v1_limit(
    cgroup: &str,
    mountinfo: &str,
    read: &impl Fn(&Path) -> Option<String>,
) -> Option<MemoryLimit> {
    let group = cgroup.lines().find_map(|line| {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then_some(path)
    })?;
    let mount = mounts(mountinfo).find(|mount| {
        mount.fstype == "cgroup" && mount.super_options.split(',').any(|o| o == "memory")
    })?;
    let dir = group_directory(&mount, group, |dir| {
        read(&dir.join("memory.limit_in_bytes")).is_some()
    });
    let file = dir.join("memory.limit_in_bytes");
    let own = read(&file).and_then(|text| parse_limit(&text));
    // The limit of the group or of any parent, whichever is tightest.
    let hierarchical = read(&dir.join("memory.stat")).and_then(|stat| {
        stat.lines().find_map(|line| {
            line.strip_prefix("hierarchical_memory_limit ")
                .and_then(parse_limit)
        })
    });
    let (bytes, file) = match (own, hierarchical) {
        (Some(own), Some(parents)) if parents < own => (parents, dir.join("memory.stat")),
        (Some(own), _) => (own, file),
        (None, Some(parents)) => (parents, dir.join("memory.stat")),
        (None, None) => return None,
    };
    Some(MemoryLimit {
        bytes,
        version: Version::V1,
        file,
    })
}

/// A limit file's value: a number of bytes, or none for `max` and v1's "unlimited".
fn parse_limit(text: &str) -> Option<u64> {
    let bytes: u64 = text.trim().parse().ok()?;
    (bytes < UNLIMITED).then_some(bytes)
}

/// `MemTotal` from `/proc/meminfo`, in bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    meminfo.lines().find_map(|line| {
        let kib = line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?;
        kib.trim().parse::<u64>().ok()?.checked_mul(1024)
    })
}

/// One line of `/proc/self/mountinfo`, the fields used here.
struct Mount {
    /// The path within the hierarchy that is mounted (`/` unless a subtree is).
    root: PathBuf,
    /// Where it is mounted.
    point: PathBuf,
    fstype: String,
    super_options: String,
}

/// The mounts `mountinfo` lists: `id parent major:minor root point options [tags] - fstype
/// source super-options`, paths with spaces and the like written as octal escapes.
fn mounts(mountinfo: &str) -> impl Iterator<Item = Mount> + '_ {
    mountinfo.lines().filter_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        let mut fields = before.split(' ');
        let root = fields.nth(3)?;
        let point = fields.next()?;
        let mut after = after.split(' ');
        let fstype = after.next()?;
        let _source = after.next()?;
        let super_options = after.next().unwrap_or_default();
        Some(Mount {
            root: PathBuf::from(unescape(root)),
            point: PathBuf::from(unescape(point)),
            fstype: fstype.to_owned(),
            super_options: super_options.to_owned(),
        })
    })
}

/// Undoes mountinfo's octal escapes (`\040` for a space, `\011`, `\012`, `\134`).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let octal = bytes
            .get(at + 1..at + 4)
            .filter(|digits| bytes[at] == b'\\' && digits.iter().all(|d| (b'0'..=b'7').contains(d)))
            .map(|d| (d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
        match octal {
            Some(byte) => {
                out.push(byte);
                at += 4;
            }
            None => {
                out.push(bytes[at]);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The directory of `group` under `mount`: its path relative to the mount's root, joined to the
/// mount point. When that directory does not hold the limit file (`has_file` says; a group
/// outside the mounted subtree, as without a cgroup namespace in some runtimes), the mount
/// point itself, which is then the container's own group.
fn group_directory(mount: &Mount, group: &str, has_file: impl Fn(&Path) -> bool) -> PathBuf {
    let group = Path::new(group);
    let relative = group
        .strip_prefix(&mount.root)
        .ok()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let joined = mount.point.join(relative);
    if joined != mount.point && !has_file(&joined) {
        return mount.point.clone();
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A reader over an in-memory file system.
    fn files(entries: &[(&str, &str)]) -> impl Fn(&Path) -> Option<String> {
        let map: HashMap<PathBuf, String> = entries
            .iter()
            .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
            .collect();
        move |path: &Path| map.get(path).cloned()
    }

    const V2_MOUNTINFO: &str = "\
22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw
30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";
    const MEMINFO: &str = "MemTotal:       24683584 kB\nMemFree:  1000 kB\n";

    #[test]
    fn a_kubernetes_pod_on_cgroup_v2_reads_memory_max_of_its_own_group() {
        // With a cgroup namespace the pod sees its group as the root of the hierarchy.
        let limit = find(
            "0::/\n",
            V2_MOUNTINFO,
            Some(MEMINFO),
            files(&[("/sys/fs/cgroup/memory.max", "134217728\n")]),
        )
        .unwrap();
        assert_eq!(limit.bytes, 128 << 20);
        assert_eq!(limit.version, Version::V2);
        assert_eq!(limit.file, PathBuf::from("/sys/fs/cgroup/memory.max"));
        assert!(
            limit
                .to_string()
                .contains("cgroup v2 limit of 134217728 bytes")
        );
    }

    #[test]
    fn cgroup_v2_takes_the_tightest_limit_up_to_the_mount_point() {
        let cgroup = "0::/kubepods.slice/pod1.slice/cri-abc.scope\n";
        let read = files(&[
            (
                "/sys/fs/cgroup/kubepods.slice/pod1.slice/cri-abc.scope/memory.max",
                "max\n",
            ),
            (
                "/sys/fs/cgroup/kubepods.slice/pod1.slice/memory.max",
                "268435456\n",
            ),
            ("/sys/fs/cgroup/kubepods.slice/memory.max", "1073741824\n"),
        ]);
        let limit = find(cgroup, V2_MOUNTINFO, Some(MEMINFO), read).unwrap();
        assert_eq!(limit.bytes, 256 << 20);
        assert_eq!(
            limit.file,
            PathBuf::from("/sys/fs/cgroup/kubepods.slice/pod1.slice/memory.max")
        );
        // `max` everywhere is no limit.
        let unlimited = files(&[(
            "/sys/fs/cgroup/kubepods.slice/pod1.slice/cri-abc.scope/memory.max",
            "max\n",
        )]);
        assert_eq!(find(cgroup, V2_MOUNTINFO, Some(MEMINFO), unlimited), None);
    }

    #[test]
    fn cgroup_v1_reads_limit_in_bytes_of_the_memory_controller() {
        // This machine's layout: v1 controllers, and an empty v2 hierarchy beside them.
        let mountinfo = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
        let cgroup = "9:name=systemd:/\n4:memory:/attack/one\n1:cpu:/\n0::/\n";
        let limit = find(
            cgroup,
            mountinfo,
            Some(MEMINFO),
            files(&[
                (
                    "/sys/fs/cgroup/memory/attack/one/memory.limit_in_bytes",
                    "268435456\n",
                ),
                (
                    "/sys/fs/cgroup/memory/attack/one/memory.stat",
                    "cache 0\nhierarchical_memory_limit 268435456\n",
                ),
            ]),
        )
        .unwrap();
        assert_eq!((limit.bytes, limit.version), (256 << 20, Version::V1));
        assert_eq!(
            limit.file,
            PathBuf::from("/sys/fs/cgroup/memory/attack/one/memory.limit_in_bytes")
        );
        // A parent's tighter limit shows in hierarchical_memory_limit.
        let parent = find(
            cgroup,
            mountinfo,
            Some(MEMINFO),
            files(&[
                (
                    "/sys/fs/cgroup/memory/attack/one/memory.limit_in_bytes",
                    "9223372036854771712\n",
                ),
                (
                    "/sys/fs/cgroup/memory/attack/one/memory.stat",
                    "hierarchical_memory_limit 67108864\n",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(parent.bytes, 64 << 20);
        // v1's "unlimited" is no limit.
        let unlimited = files(&[
            (
                "/sys/fs/cgroup/memory/attack/one/memory.limit_in_bytes",
                "9223372036854771712\n",
            ),
            (
                "/sys/fs/cgroup/memory/attack/one/memory.stat",
                "hierarchical_memory_limit 9223372036854771712\n",
            ),
        ]);
        assert_eq!(find(cgroup, mountinfo, Some(MEMINFO), unlimited), None);
    }

    #[test]
    fn a_docker_container_on_cgroup_v1_without_a_namespace_reads_the_mount_point() {
        // The group's full host path is listed, but only its subtree is mounted.
        let mountinfo =
            "1 0 0:40 /docker/0123abcd /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";
        let cgroup = "5:memory:/docker/0123abcd\n";
        let limit = find(
            cgroup,
            mountinfo,
            None,
            files(&[("/sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912\n")]),
        )
        .unwrap();
        assert_eq!(limit.bytes, 512 << 20);
        // Another layout: the root is mounted but the group's directory is not there.
        let mountinfo = "1 0 0:40 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        let limit = find(
            cgroup,
            mountinfo,
            None,
            files(&[("/sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912\n")]),
        )
        .unwrap();
        assert_eq!(
            limit.file,
            PathBuf::from("/sys/fs/cgroup/memory/memory.limit_in_bytes")
        );
    }

    #[test]
    fn a_limit_at_or_above_the_machines_memory_is_none() {
        let read = files(&[("/sys/fs/cgroup/memory.max", "25275990016\n")]);
        assert_eq!(find("0::/\n", V2_MOUNTINFO, Some(MEMINFO), read), None);
        let read = files(&[("/sys/fs/cgroup/memory.max", "25275990016\n")]);
        assert!(find("0::/\n", V2_MOUNTINFO, None, read).is_some());
    }

    #[test]
    fn no_memory_cgroup_is_no_limit() {
        assert_eq!(find("", "", Some(MEMINFO), files(&[])), None);
        assert_eq!(
            find("0::/\n", V2_MOUNTINFO, Some(MEMINFO), files(&[])),
            None
        );
        assert_eq!(find("garbage\n", "garbage\n", None, files(&[])), None);
        for bad in ["", "-1", "12k", "max"] {
            assert_eq!(parse_limit(bad), None, "{bad}");
        }
    }

    #[test]
    fn mount_points_with_escaped_characters_are_read() {
        let mountinfo = "30 22 0:26 / /sys/fs/my\\040cgroup rw - cgroup2 cgroup2 rw\n";
        let read = files(&[("/sys/fs/my cgroup/memory.max", "1048576\n")]);
        let limit = find("0::/\n", mountinfo, None, read).unwrap();
        assert_eq!(limit.bytes, 1 << 20);
        assert_eq!(unescape("a\\134b\\011c\\9"), "a\\b\tc\\9");
    }
}
