// Text inside a Markdown table cell: an NB201 string's bars would end the cell, so they are escaped.
export const markdownCell = (text: string) => text.replace(/\|/g, '\\|');
