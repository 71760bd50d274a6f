import { useLive } from '../api.js';
import { LevelBadge } from '../components/badges.js';
import { Async, Empty } from '../components/states.js';

interface Servers {
  servers: {
    name: string;
    versions: { version: string; level: number | null; state: string; reference: string | null }[];
  }[];
}

/**
 * The execution plane is being finished elsewhere; today the hub API only meters runs
 * (`POST /api/v1/orgs/:org/runs`). This screen lists what can be run and how, without pretending.
 */
export function Run() {
  const servers = useLive<Servers>('/api/v1/servers', (t) => t.to === 'PUBLISHED');
  return (
    <section aria-labelledby="run-title">
      <h1 id="run-title">Run</h1>
      <div className="card">
        <p>
          Starting a server under a sandbox policy from the UI is not offered by the hub API yet. Published
          versions are fetched and verified with <code>mcphub pull &lt;org/name@version&gt;</code> and wired
          into MCP clients with <code>mcphub client</code>.
        </p>
        <Async res={servers} what="servers">
          {({ servers: list }) => {
            const runnable = list.flatMap((s) =>
              s.versions.filter((v) => v.reference).map((v) => ({ ...v, name: s.name })),
            );
            if (runnable.length === 0) return <Empty>No published version to run yet.</Empty>;
            return (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Reference</th>
                    <th scope="col">Level</th>
                    <th scope="col">Command</th>
                  </tr>
                </thead>
                <tbody>
                  {runnable.map((v) => (
                    <tr key={v.reference}>
                      <td>{v.reference}</td>
                      <td>
                        <LevelBadge level={v.level} />
                      </td>
                      <td>
                        <code>mcphub pull {v.reference}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </Async>
      </div>
    </section>
  );
}
