import { defineDetector } from '../../api.js';

export default defineDetector({
  id: 'MCP-A008',
  class: 'A',
  languages: ['python', 'javascript', 'typescript', 'go'],
  severity: 'critical',
  confidence: 'high',
  cwe: ['CWE-114', 'CWE-427'],
  title: 'Native library or plugin loaded from an attacker-chosen path',
  remediation:
    'Load native libraries and plugins only from fixed paths shipped with the server; map tool arguments ' +
    'to an allowlist of known plugins instead of accepting a path.',
  taint: {
    sinkKind: 'program',
    sinks: [
      {
        languages: ['python'],
        callee: [
          'ctypes.CDLL',
          'ctypes.cdll.LoadLibrary',
          'ctypes.PyDLL',
          'ctypes.WinDLL',
          'ctypes.util.find_library',
        ],
        args: [0],
        message: 'Attacker-controlled path is loaded as a native library',
      },
      {
        languages: ['javascript', 'typescript'],
        callee: ['process.dlopen', 'ffi-napi.Library', 'koffi.load'],
        args: [0, 1],
        message: 'Attacker-controlled path is loaded as a native library',
      },
      {
        languages: ['go'],
        callee: ['plugin.Open', 'syscall.LoadLibrary', 'golang.org/x/sys/windows.LoadLibrary'],
        args: [0],
        message: 'Attacker-controlled path is opened as a Go plugin or native library',
      },
    ],
  },
});
