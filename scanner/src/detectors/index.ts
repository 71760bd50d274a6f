/** The detector catalogue: one import and one entry per detector. The meta-test checks it. */
import mcpA001 from './a/mcp-a001-shell-command/detector.js';
import mcpA002 from './a/mcp-a002-argument-injection/detector.js';
import mcpA003 from './a/mcp-a003-code-eval/detector.js';
import mcpA004 from './a/mcp-a004-unsafe-deserialization/detector.js';
import mcpA005 from './a/mcp-a005-template-injection/detector.js';
import mcpA006 from './a/mcp-a006-program-execution/detector.js';
import mcpA007 from './a/mcp-a007-package-install/detector.js';
import mcpA008 from './a/mcp-a008-native-library-load/detector.js';
import type { Detector } from './api.js';
import mcpB001 from './b/mcp-b001-path-traversal/detector.js';
import mcpB002 from './b/mcp-b002-archive-extraction/detector.js';
import mcpB003 from './b/mcp-b003-weak-path-containment/detector.js';
import mcpC001 from './c/mcp-c001-ssrf/detector.js';
import mcpC002 from './c/mcp-c002-exfiltration/detector.js';
import mcpC003 from './c/mcp-c003-weak-url-allowlist/detector.js';
import mcpC004 from './c/mcp-c004-metadata-endpoint/detector.js';
import mcpD001 from './d/mcp-d001-sql-injection/detector.js';
import mcpD002 from './d/mcp-d002-readonly-bypass/detector.js';
import mcpD003 from './d/mcp-d003-sql-identifier-injection/detector.js';
import mcpD004 from './d/mcp-d004-orm-raw-fragment/detector.js';
import mcpE001 from './e/mcp-e001-hardcoded-secret/detector.js';
import mcpE002 from './e/mcp-e002-secret-logged/detector.js';
import mcpE003 from './e/mcp-e003-secret-in-tool-output/detector.js';
import mcpE004 from './e/mcp-e004-hardcoded-signing-key/detector.js';
import mcpF001 from './f/mcp-f001-unauthenticated-http-transport/detector.js';
import mcpF002 from './f/mcp-f002-dns-rebinding/detector.js';
import mcpF003 from './f/mcp-f003-all-interfaces-no-auth/detector.js';
import mcpF004 from './f/mcp-f004-token-passthrough/detector.js';
import mcpF005 from './f/mcp-f005-token-in-query-string/detector.js';
import mcpF006 from './f/mcp-f006-oauth-redirect-unvalidated/detector.js';
import mcpG001 from './g/mcp-g001-hidden-instructions/detector.js';
import mcpG002 from './g/mcp-g002-invisible-unicode/detector.js';
import mcpG003 from './g/mcp-g003-tool-shadowing/detector.js';
import mcpG004 from './g/mcp-g004-description-code-mismatch/detector.js';
import mcpG005 from './g/mcp-g005-confusable-tool-name/detector.js';
import mcpH001 from './h/mcp-h001-web-content-in-tool-result/detector.js';
import mcpH002 from './h/mcp-h002-file-content-in-tool-result/detector.js';
import mcpH003 from './h/mcp-h003-untrusted-content-in-sampling/detector.js';
import mcpI001 from './i/mcp-i001-sudo-setuid/detector.js';
import mcpI002 from './i/mcp-i002-permissive-mode/detector.js';
import mcpI003 from './i/mcp-i003-tls-verification-disabled/detector.js';
import mcpI004 from './i/mcp-i004-system-path-write/detector.js';
import mcpJ001 from './j/mcp-j001-output-directs-tool-call/detector.js';
import mcpJ002 from './j/mcp-j002-toxic-tool-combination/detector.js';
import mcpJ003 from './j/mcp-j003-forged-tool-call-in-output/detector.js';
import mcpK001 from './k/mcp-k001-client-supplied-role/detector.js';
import mcpK002 from './k/mcp-k002-unauthenticated-privileged-tool/detector.js';
import mcpK003 from './k/mcp-k003-missing-ownership-check/detector.js';
import mcpL001 from './l/mcp-l001-install-hooks/detector.js';
import mcpL002 from './l/mcp-l002-download-execute/detector.js';
import mcpL003 from './l/mcp-l003-remote-tool-definitions/detector.js';
import mcpL004 from './l/mcp-l004-tool-definition-mutation/detector.js';
import mcpM001 from './m/mcp-m001-stdio-listener/detector.js';
import mcpM002 from './m/mcp-m002-obfuscated-payload/detector.js';
import mcpM003 from './m/mcp-m003-startup-beacon/detector.js';
import mcpM004 from './m/mcp-m004-dns-exfiltration/detector.js';
import mcpN001 from './n/mcp-n001-floating-version/detector.js';
import mcpN002 from './n/mcp-n002-missing-lockfile/detector.js';
import mcpN003 from './n/mcp-n003-install-scripts/detector.js';
import mcpN004 from './n/mcp-n004-typosquat/detector.js';
import mcpN005 from './n/mcp-n005-known-vulnerable/detector.js';

export const DETECTORS: readonly Detector[] = [
  mcpA001,
  mcpA002,
  mcpA003,
  mcpA004,
  mcpA005,
  mcpA006,
  mcpA007,
  mcpA008,
  mcpB001,
  mcpB002,
  mcpB003,
  mcpC001,
  mcpC002,
  mcpC003,
  mcpC004,
  mcpD001,
  mcpD002,
  mcpD003,
  mcpD004,
  mcpE001,
  mcpE002,
  mcpE003,
  mcpE004,
  mcpF001,
  mcpF002,
  mcpF003,
  mcpF004,
  mcpF005,
  mcpF006,
  mcpG001,
  mcpG002,
  mcpG003,
  mcpG004,
  mcpG005,
  mcpH001,
  mcpH002,
  mcpH003,
  mcpI001,
  mcpI002,
  mcpI003,
  mcpI004,
  mcpJ001,
  mcpJ002,
  mcpJ003,
  mcpK001,
  mcpK002,
  mcpK003,
  mcpL001,
  mcpL002,
  mcpL003,
  mcpL004,
  mcpM001,
  mcpM002,
  mcpM003,
  mcpM004,
  mcpN001,
  mcpN002,
  mcpN003,
  mcpN004,
  mcpN005,
];

export function listDetectors(): readonly Detector[] {
  return DETECTORS;
}
