// ESLint rule `lifeboat/layering`: dependencies flow one way (docs/architecture.md).
//   util ← plist ← protocol, format ← backup, vault, content ← daemon ← cli, web
// A module may import its own folder's modules and those of lower layers; sibling folders on the same
// layer stay independent, except the pairs listed in SAME_LAYER_ALLOWED. Nothing in src/ imports sim/,
// test/ or bench/. sim/ may use src/ freely except the host-side *client* modules, so a bug shared by
// both sides of a protocol cannot hide behind shared code.
import path from 'node:path';

const RANK = { util: 0, config: 1, plist: 1, protocol: 2, format: 2, backup: 3, vault: 3, content: 3, daemon: 4, cli: 5, web: 5 };
// cli starts the web dashboard (`lifeboat serve`, `lifeboat daemon`); web never imports cli.
const SAME_LAYER_ALLOWED = new Set(['backup->vault', 'backup->format', 'content->format', 'cli->web']);
const HOST_CLIENT = [/\/src\/protocol\/.*client\.(ts|js)$/, /\/src\/protocol\/host\//, /\/src\/protocol\/transport\.(ts|js)$/];

function classify(file, root) {
  const rel = path.relative(root, file).split(path.sep).join('/');
  const [top, second] = rel.split('/');
  if (top === 'src') return { area: 'src', layer: second && second in RANK ? second : undefined };
  return { area: top };
}

export default {
  meta: { type: 'problem', docs: { description: 'enforce one-way dependencies between layers' }, schema: [] },
  create(context) {
    const root = context.cwd ?? process.cwd();
    const file = context.filename ?? context.getFilename();
    const from = classify(file, root);
    function check(node, source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source);
      const to = classify(target, root);
      const report = (why) => context.report({ node, message: `layering: ${why} (${source})` });
      if (from.area === 'src') {
        // Unit tests beside the code may use the shared test support (tool gates, harnesses).
        if (to.area === 'test' && /\.test\.ts$/.test(file)) return;
        if (to.area !== 'src') return report(`src/ must not import ${to.area}/`);
        if (!from.layer || !to.layer || from.layer === to.layer) return;
        const a = RANK[from.layer];
        const b = RANK[to.layer];
        if (b > a) return report(`${from.layer} (layer ${a}) must not depend on ${to.layer} (layer ${b})`);
        if (b === a && !SAME_LAYER_ALLOWED.has(`${from.layer}->${to.layer}`)) return report(`${from.layer} and ${to.layer} are siblings and stay independent`);
      } else if (from.area === 'sim') {
        const normalized = target.split(path.sep).join('/');
        if (HOST_CLIENT.some((re) => re.test(normalized))) return report('sim/ must not use the host-side client modules');
        if (to.area === 'test' && /\.test\.ts$/.test(file)) return; // tests may share test support
        if (to.area === 'test' || to.area === 'bench') return report(`sim/ must not import ${to.area}/`);
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
