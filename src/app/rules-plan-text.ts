/** The rules plan as text (rule by rule: carried / partly / not, and why), for `mailshift rules` and `migrate --rules`. */
import type {RulePlan, Translation} from '../rules/sieve-translate.js';
import {plural} from '../util/format.js';

const MARK: Readonly<Record<RulePlan['status'], string>> = {carried: '✓ carried', partly: '~ partly carried', 'not-carried': '✗ not carried'};

/** The plan as text, one block per rule. */
export function formatPlan(translation: Translation, file: string): string {
	const lines = [`Filters in ${file}:`];
	translation.plan.forEach((p, i) => {
		lines.push(`  ${i + 1}. ${p.name} — ${MARK[p.status]}`);
		for (const r of p.reasons) lines.push(`       because ${r}`);
		for (const n of p.notes) lines.push(`       note: ${n}`);
	});
	const carried = translation.plan.filter((p) => p.status !== 'not-carried').length;
	const left = translation.plan.length - carried;
	lines.push(`${plural(translation.plan.length, 'filter')} → ${plural(carried, 'server rule')}${left > 0 ? `; ${left} stay on this computer (reasons above)` : ''}.`);
	return lines.join('\n') + '\n';
}
