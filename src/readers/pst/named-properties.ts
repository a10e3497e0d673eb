/**
 * Named properties (MS-OXPROPS "PidLid…", MS-PST 2.4.7): contact, calendar, task and note fields live under
 * store-specific property ids ≥ 0x8000 that the store's name-to-id map assigns to (property set, LID) pairs.
 * `NamedProperties.id` looks them up through pst-extractor's map (-1 when the store has none) and caches.
 * The map is process-wide in pst-extractor, which is why each store has its own worker (issue #3).
 */
import type {PSTFile} from 'pst-extractor';

/** pst-extractor's indexes of the property sets (PSTFile / OutlookProperties constants). */
export const PSET = {Common: 1, Address: 2, Appointment: 4, Meeting: 5, Log: 6, Task: 10, Note: 8} as const;
type PropertySet = (typeof PSET)[keyof typeof PSET];

/** The LIDs used here, by property set (MS-OXPROPS). */
export const LID = {
	// PSETID_Appointment
	AppointmentSequence: 0x8201, BusyStatus: 0x8205, Location: 0x8208, AppointmentStartWhole: 0x820d,
	AppointmentEndWhole: 0x820e, AppointmentSubType: 0x8215, AppointmentRecur: 0x8216, AppointmentStateFlags: 0x8217,
	ResponseStatus: 0x8218, Recurring: 0x8223, TimeZoneStruct: 0x8233, TimeZoneDescription: 0x8234,
	// PSETID_Meeting
	GlobalObjectId: 0x0003, CleanGlobalObjectId: 0x0023,
	// PSETID_Common
	ReminderDelta: 0x8501, ReminderTime: 0x8502, ReminderSet: 0x8503,
	// PSETID_Address
	Email1DisplayName: 0x8080, Email1AddressType: 0x8082, Email1EmailAddress: 0x8083, Email1OriginalDisplayName: 0x8084,
	Email2DisplayName: 0x8090, Email2AddressType: 0x8092, Email2EmailAddress: 0x8093, Email2OriginalDisplayName: 0x8094,
	Email3DisplayName: 0x80a0, Email3AddressType: 0x80a2, Email3EmailAddress: 0x80a3, Email3OriginalDisplayName: 0x80a4,
	WorkAddressStreet: 0x8045, WorkAddressCity: 0x8046, WorkAddressState: 0x8047, WorkAddressPostalCode: 0x8048,
	WorkAddressCountry: 0x8049, WorkAddressPostOfficeBox: 0x804a, HomeAddress: 0x801a, WorkAddress: 0x801b,
	OtherAddress: 0x801c, PostalAddressId: 0x8022, InstantMessagingAddress: 0x8062, FileUnder: 0x8005,
	DistributionListName: 0x8053, DistributionListOneOffMembers: 0x8054, DistributionListMembers: 0x8055,
	// PSETID_Task
	TaskStatus: 0x8101, PercentComplete: 0x8102, TaskStartDate: 0x8104, TaskDueDate: 0x8105,
	TaskDateCompleted: 0x810f, TaskComplete: 0x811c,
	// PSETID_Log (journal entries)
	LogType: 0x8700, LogStart: 0x8706, LogEnd: 0x8708,
} as const;

export class NamedProperties {
	readonly #file: PSTFile | undefined;
	readonly #cache = new Map<string, number | undefined>();

	/**
	 * @param file the PST whose name-to-id map is asked; or, for a store that is not a PST (an Outlook .msg
	 *   file, msg-item-export.ts), the complete map as `set:lid` / `s:name` keys → property ids.
	 */
	constructor(file: PSTFile | ReadonlyMap<string, number>) {
		if (file instanceof Map) {
			for (const [key, id] of file) this.#cache.set(key, id);
			this.#file = undefined;
		} else {
			this.#file = file as PSTFile;
		}
	}

	/** The store's property id for (set, lid), or undefined when the store never used that property. */
	id(set: PropertySet, lid: number): number | undefined {
		const key = `${set}:${lid}`;
		if (this.#cache.has(key)) return this.#cache.get(key);
		let id: number | undefined;
		try {
			const found = this.#file?.getNameToIdMapItem(lid, set) ?? -1;
			id = found > 0 ? found : undefined;
		} catch {
			id = undefined;
		}
		this.#cache.set(key, id);
		return id;
	}

	/** A string-named property of PS_PUBLIC_STRINGS (e.g. "Keywords", the categories), or undefined. */
	publicString(name: string): number | undefined {
		const key = `s:${name}`;
		if (this.#cache.has(key)) return this.#cache.get(key);
		const ctor = this.#file?.constructor as unknown as {getPublicStringToIdMapItem?(name: string): number} | undefined;
		let id: number | undefined;
		try {
			const found = ctor?.getPublicStringToIdMapItem?.(name) ?? -1;
			id = found > 0 ? found : undefined;
		} catch {
			id = undefined;
		}
		this.#cache.set(key, id);
		return id;
	}
}
