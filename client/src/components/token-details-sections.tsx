import type { ComponentChildren } from 'preact';

export type DetailsSectionId = 'overview' | 'usage' | 'settings' | 'danger';

export const DETAILS_SECTIONS: Record<DetailsSectionId, string> = {
  overview: 'Overview',
  usage: 'Usage',
  settings: 'Settings',
  danger: 'Danger zone',
};

const sectionId = (id: DetailsSectionId) => `details-section-${id}`;
const headingId = (id: DetailsSectionId) => `details-section-${id}-title`;

/**
 * One part of a token's Details: a group named by its h4, with an id the links at the top lead
 * to. A group, not a region: the Usage tab holds a region named "Usage" of its own, and two
 * landmarks of one name are one too many.
 */
export function DetailsSection({ id, children }: { id: DetailsSectionId; children: ComponentChildren }) {
  return (
    <div role="group" id={sectionId(id)} aria-labelledby={headingId(id)} class={`details-section details-section-${id}`}>
      {/* tabindex: the link at the top moves focus here */}
      <h4 id={headingId(id)} tabIndex={-1}>
        {DETAILS_SECTIONS[id]}
      </h4>
      {children}
    </div>
  );
}

/**
 * Links to the sections shown, at the top of Details. The page's address is its view
 * (#token/<id>, view-route.ts), so a link moves focus to its section's heading (which scrolls
 * it into view) instead of changing the address, which would close Details.
 */
export function DetailsSectionNav({ sections }: { sections: DetailsSectionId[] }) {
  return (
    <nav aria-label="Sections of this token" class="details-nav">
      <ul>
        {sections.map((id) => (
          <li key={id}>
            <a
              href={`#${sectionId(id)}`}
              onClick={(event) => {
                event.preventDefault();
                document.getElementById(headingId(id))?.focus();
              }}
            >
              {DETAILS_SECTIONS[id]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
