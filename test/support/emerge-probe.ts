// Recorded-shape probe sections of the emerge module for a host with nothing installed and package.use a directory.

/** Probe sections (name, text, optional status) as modules/portage/emerge-facts.ts's script prints them on such a host. */
export const BARE_GENTOO_SECTIONS: [string, string, number?][] = [
  ['loc.use', 'dir'],
  ['loc.kw', 'absent'],
  ['loc.kwold', 'absent'],
  ['world', ''],
  ['emerge', '', 0],
  ['st.use', 'directory 0 0 755 root root\n'],
  ['st.usecf', 'absent'],
  ['st.kw', 'absent'],
  ['st.kwcf', 'absent'],
];
