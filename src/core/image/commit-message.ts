// The commit message of an image update, from the ImageUpdater's template. A tiny template
// language, not Go's text/template: {{.Updater}}, and {{range .Updates}}…{{end}} with {{.Image}},
// {{.Tag}}, {{.Digest}}, {{.Policy}} inside. Values are validated names and tags, so they cannot
// add lines of their own (no trailer such as Signed-off-by can be forged by a tag).
import { DEFAULT_COMMIT_MESSAGE } from '../model/image-updater.ts';

export interface MessageUpdate {
  image: string;
  tag: string;
  digest?: string;
  policy: string;
}

const maxLength = 8_192;

export function renderCommitMessage(
  template: string | undefined,
  updater: string,
  updates: readonly MessageUpdate[],
): string {
  const source = template ?? DEFAULT_COMMIT_MESSAGE;
  const fill = (text: string, update?: MessageUpdate) =>
    text.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (whole, field: string) => {
      if (field === 'Updater') return updater;
      if (!update) return whole;
      if (field === 'Image') return update.image;
      if (field === 'Tag') return update.tag;
      if (field === 'Digest') return update.digest ?? '';
      if (field === 'Policy') return update.policy;
      return whole;
    });
  const expanded = source.replace(
    /\{\{\s*range\s+\.Updates\s*\}\}([\s\S]*?)\{\{\s*end\s*\}\}/g,
    (_whole, body: string) => updates.map((update) => fill(body, update)).join(''),
  );
  const message = fill(expanded).trim().slice(0, maxLength);
  return message === '' ? `tiphys: image update by ${updater}` : message;
}
