import { Eta } from 'eta'
import { fileURLToPath } from 'node:url'

// autoEscape is Eta's default; it is set here so that no later edit can turn it off unnoticed.
const eta = new Eta({
  views: fileURLToPath(new URL('./views', import.meta.url)),
  autoEscape: true,
  cache: true,
})

/** Renders a page template from src/server/views (HTML-escaped by default) inside the layout. */
export function renderPage(template: string, data: Record<string, unknown>): string {
  return eta.render(template, data)
}
