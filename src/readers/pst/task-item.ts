/**
 * A PST task (IPM.Task) → an iCalendar VTODO (export/icalendar.ts), for the backup's .ics export.
 * Properties (MS-OXOTASK 2.2.2.2; PSETID_Task): PidLidTaskStatus (0 not started, 1 in progress, 2 complete,
 * 3 waiting on someone else, 4 deferred), PidLidPercentComplete (a double 0.0–1.0), PidLidTaskStartDate and
 * PidLidTaskDueDate (dates: local midnight stored as-is, so the UTC date fields are the day meant),
 * PidLidTaskDateCompleted, PidLidTaskComplete; reminder PidLidReminderSet/ReminderTime (PSETID_Common).
 * Task recurrence is not exported (the task is written once).
 */
import type {CalendarTodo} from '../../export/icalendar.js';
import {itemBasics} from './item-basics.js';
import type {NamedProperties} from './named-properties.js';
import {LID, PSET} from './named-properties.js';
import type {PropertyBag} from './property-bag.js';

const P = {IMPORTANCE: 0x0017, SENSITIVITY: 0x0036} as const;
const STATUS = ['NEEDS-ACTION', 'IN-PROCESS', 'COMPLETED', 'NEEDS-ACTION', 'CANCELLED'] as const;

export function taskOf(bag: PropertyBag, named: NamedProperties, identity: string, description: string | undefined): CalendarTodo {
	const task = (lid: number): number => named.id(PSET.Task, lid) ?? -1;
	const status = bag.uint(task(LID.TaskStatus));
	const complete = bag.bool(task(LID.TaskComplete)) === true;
	const percent = bag.double(task(LID.PercentComplete));
	const start = bag.date(task(LID.TaskStartDate));
	const due = bag.date(task(LID.TaskDueDate));
	const completed = bag.date(task(LID.TaskDateCompleted));
	const reminderAt = bag.bool(named.id(PSET.Common, LID.ReminderSet) ?? -1) === true ? bag.date(named.id(PSET.Common, LID.ReminderTime) ?? -1) : undefined;
	const importance = bag.int(P.IMPORTANCE);
	const sensitivity = bag.int(P.SENSITIVITY);
	return {
		type: 'todo',
		...itemBasics(bag, named, identity, description),
		...(sensitivity === 2 ? {classification: 'PRIVATE' as const} : sensitivity === 3 ? {classification: 'CONFIDENTIAL' as const} : {}),
		...(importance === 2 ? {priority: 1} : importance === 0 ? {priority: 9} : {}),
		...(start === undefined ? {} : {start}),
		...(due === undefined ? {} : {due}),
		...(completed === undefined ? {} : {completed}),
		...(percent === undefined ? {} : {percentComplete: percent * 100}),
		...(complete ? {status: 'COMPLETED' as const} : status !== undefined && STATUS[status] !== undefined ? {status: STATUS[status]!} : {}),
		...(reminderAt === undefined ? {} : {reminderAt}),
	};
}
