import { createContext, useContext } from 'react';

/** Who is signed in and what they may do (`GET /api/v1/ui/session`); the API enforces it regardless. */
export interface Session {
  name: string;
  user: { id: string; name: string } | null;
  hubAdmin: boolean;
  token: { id: string; name: string; scopes: string[]; resources: string[] };
  viaSession: boolean;
  can: { read: string[]; push: string[]; moderate: string[]; manage: boolean; admin: boolean; run: boolean };
}

const NOBODY: Session = {
  name: '',
  user: null,
  hubAdmin: false,
  token: { id: '', name: '', scopes: [], resources: [] },
  viaSession: false,
  can: { read: [], push: [], moderate: [], manage: false, admin: false, run: false },
};

export const SessionContext = createContext<Session>(NOBODY);
export const useSession = () => useContext(SessionContext);

export async function signOut(): Promise<void> {
  await fetch('/logout', { method: 'POST', credentials: 'same-origin' });
  window.location.assign('/login');
}
