/**
 * The node ids of the items in one PST folder, read from its contents table (node `folder nid + 12`,
 * MS-PST 2.4.4.5), with pst-extractor's own fallback to the node B-tree when that table is unreadable.
 *
 * Why not `PSTFolder.getNextChild()`: it stops at the first bad row (returning null, so the rest of the folder
 * looks empty), and it skips items it cannot load with only a console line (packages.md §2: 24 of 160 items).
 * Listing ids first lets the reader load each item itself and report a failure with its node id, and lets it
 * compare what the table lists with the folder's PR_CONTENT_COUNT (ARCHITECTURE decision 4).
 */
import type {PSTFile, PSTFolder} from 'pst-extractor';

/** Rows fetched from a contents table per call (each row holds only the id column). */
const PAGE = 512;
/** MS-PST 2.2.2.1: NID_TYPE_NORMAL_MESSAGE. */
const NID_TYPE_NORMAL_MESSAGE = 0x04;

type RowItem = {entryValueReference: number; itemIndex: number};
type ContentsTable = {rowCount: number; getItems(start: number, count: number): Array<Map<number, RowItem>>};
type DescriptorNode = {descriptorIdentifier: number};
type FolderInternals = {
	initEmailsTable(): void;
	emailsTable: ContentsTable | null;
	fallbackEmailsTable: DescriptorNode[] | null;
	descriptorIndexNode: DescriptorNode | null;
};

export type FolderContents = Readonly<{
	/** Item node ids in table order, without duplicates. */
	nids: number[];
	/** Where the ids came from. */
	source: 'contents-table' | 'node-tree';
	/** Rows the contents table claims but whose id column could not be read. */
	unreadableRows: number;
}>;

/**
 * Lists the folder's items. A contents table that breaks part-way keeps the rows read so far and is completed
 * from the node tree when `completeFromNodeTree` is set (the caller does so when the count falls short).
 * @throws when neither the contents table nor the node tree can be read.
 */
export function listContents(file: PSTFile, folder: PSTFolder, completeFromNodeTree = false): FolderContents {
	const internals = folder as unknown as FolderInternals;
	internals.initEmailsTable();
	const nids: number[] = [];
	const seen = new Set<number>();
	const push = (nid: number): void => {
		if (nid > 0 && !seen.has(nid)) {
			seen.add(nid);
			nids.push(nid);
		}
	};
	let unreadableRows = 0;
	let source: FolderContents['source'] = 'contents-table';
	const table = internals.emailsTable;
	if (table !== null) {
		const rows = table.rowCount;
		for (let start = 0; start < rows; start += PAGE) {
			let page: Array<Map<number, RowItem>>;
			try {
				page = table.getItems(start, Math.min(PAGE, rows - start));
			} catch {
				unreadableRows += rows - start;
				break;
			}
			for (const row of page) {
				const id = row.get(0x67f2);
				if (id === undefined || id.itemIndex === -1) unreadableRows++;
				else push(id.entryValueReference);
			}
		}
	} else {
		source = 'node-tree';
		for (const node of internals.fallbackEmailsTable ?? []) push(node.descriptorIdentifier);
	}
	if (completeFromNodeTree && source === 'contents-table' && internals.descriptorIndexNode !== null) {
		const children = file.getChildDescriptorTree().get(internals.descriptorIndexNode.descriptorIdentifier) ?? [];
		for (const child of children) {
			if ((child.descriptorIdentifier & 0x1f) === NID_TYPE_NORMAL_MESSAGE) push(child.descriptorIdentifier);
		}
	}
	return {nids, source, unreadableRows};
}
