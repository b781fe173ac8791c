/** How a derived statement relates to the paper's finding. */
export type Verdict = 'matches' | 'differs' | 'mixed' | 'inconclusive';

/** One statement of "what matches the paper", computed from the numbers, never hard-coded. */
export interface Finding {
  /** Stable id (tests and readers can refer to it): e.g. `small-r-qv`, `figure3-top-direction`. */
  id: string;
  verdict: Verdict;
  /** The sentence(s) for the report, with the numbers it rests on. */
  text: string;
}

/** The label the report prints before a finding. */
export const VERDICT_LABEL: Record<Verdict, string> = {
  matches: 'Matches the paper',
  differs: 'Differs from the paper',
  mixed: 'Partly matches',
  inconclusive: 'Inconclusive',
};
