// JupyterLab on the course hub (deploy/hub): what nbgrader's assignment list
// does not do for students.
//
// * Due dates: a banner above the Assignments list, and above every notebook of a
//   fetched lab (~/<course>/<lab>/...), with the student's own due date (their
//   extension, if they have one) in their browser's time zone and the course's
//   late rule. The dates come from the student's server (/reciprocity/due,
//   reciprocity.hub.due_dates), which asks each course's grading service.
// * Save before submit: a click on a Submit button first saves the lab's open
//   documents with unsaved changes, so the answers on screen are the ones sent;
//   past the student's due date it first asks, saying the work will count as late.
// * Feedback as a page: "(view feedback)" opens the feedback's HTML (rendered
//   math) in a new browser tab instead of a folder in the file browser.
//
// Only JupyterLab's public API (shell, contentHeader, document contexts) and the
// DOM of the Assignments tab are used; nothing of nbgrader's code is changed.
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

const ASSIGNMENT_LIST_ID = 'nbgrader-assignment-list';
const REFRESH_MS = 60 * 1000;

function when(iso) {
  return new Date(iso).toLocaleString(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', timeZoneName: 'short'
  });
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) {
    node.textContent = text;
  }
  if (className) {
    node.className = className;
  }
  return node;
}

// One lab's line: "outreach: due Mon, 5 Oct 2026, 23:59 CEST (your extension)".
function labLine(lab, withName) {
  const item = element('span');
  item.append((withName ? `${lab.lab}: ` : '') + `due ${when(lab.due)}`);
  if (lab.extended) {
    item.append(' ');
    item.append(element('span', `(your extension; the class's date is ${when(lab.class_due)})`,
      'reciprocity-due-extended'));
  }
  if (Date.now() > Date.parse(lab.due)) {
    item.append(' ');
    item.append(element('span', '(passed: work submitted now is late)', 'reciprocity-due-past'));
  }
  return item;
}

// GET a JSON answer of the user's server (its token and XSRF header, as JupyterLab's own requests)
async function getJSON(settings, url) {
  const response = await ServerConnection.makeRequest(url, {}, settings);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.message || `the server answered ${response.status}`);
  }
  return body;
}

class DueData {
  constructor(settings) {
    this.settings = settings;
    this.url = settings.baseUrl + 'reciprocity/due';
    this.fetched = 0;
    this.pending = null;
    this.data = null;
  }

  async get() {
    if (this.data && Date.now() - this.fetched < REFRESH_MS) {
      return this.data;
    }
    if (!this.pending) {
      this.pending = getJSON(this.settings, this.url)
        .then(body => {
          this.data = body;
          this.fetched = Date.now();
          return body;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    return this.pending;
  }
}

function banner(label) {
  const widget = new Widget({ node: element('div', undefined, 'reciprocity-due') });
  widget.node.setAttribute('role', 'region');
  widget.node.setAttribute('aria-label', label);
  return widget;
}

function renderList(node, data) {
  node.replaceChildren(element('h2', 'Due dates'));
  const list = element('ul');
  for (const course of data.courses || []) {
    if (course.problem) {
      list.append(element('li', `${course.course}: ${course.problem}`, 'reciprocity-due-problem'));
      continue;
    }
    for (const lab of course.labs) {
      const item = element('li');
      item.append(`${course.course} / `);
      item.append(labLine(lab, true));
      list.append(item);
    }
    if (course.labs.length && course.late_rule) {
      list.append(element('li', `Late work in ${course.course}: ${course.late_rule}.`));
    }
  }
  if (!list.children.length) {
    list.append(element('li', 'No lab has a due date yet.'));
  }
  node.append(list);
}

function renderLab(node, course, lab) {
  node.replaceChildren();
  node.append(labLine(lab, true));
  if (course.late_rule) {
    node.append(element('div', `Late work: ${course.late_rule}.`));
  }
}

function labOf(data, path) {
  const [courseId, labId] = path.split('/');
  const course = (data.courses || []).find(c => c.course === courseId && !c.problem);
  const lab = course && course.labs.find(l => l.lab === labId);
  return lab ? { course, lab } : null;
}

// every open document under `folder` ('' for all) with unsaved changes, saved
async function saveOpenDocuments(app, folder) {
  const saves = [];
  for (const widget of app.shell.widgets('main')) {
    const context = widget.context;
    if (context && context.path.startsWith(folder) && context.model && context.model.dirty &&
        !context.model.readOnly) {
      saves.push(context.save());
    }
  }
  await Promise.all(saves);
}

// "(view feedback)": the submission's feedback pages, from nbgrader's own list API
async function feedbackPages(settings, courseId, labId, stamp) {
  const pages = [];
  const url = `${settings.baseUrl}assignments?course_id=${encodeURIComponent(courseId)}`;
  const listed = await getJSON(settings, url);
  for (const assignment of listed.value || []) {
    if (assignment.assignment_id !== labId) {
      continue;
    }
    for (const submission of assignment.submissions || []) {
      if (submission.timestamp !== stamp || !submission.has_local_feedback) {
        continue;
      }
      const folder = submission.local_feedback_path;
      const contents = await getJSON(settings,
        `${settings.baseUrl}api/contents/${encodeURI(folder)}?content=1`);
      for (const file of contents.content || []) {
        if (file.name.endsWith('.html')) {
          pages.push(`${settings.baseUrl}files/${encodeURI(file.path)}`);
        }
      }
    }
  }
  return pages;
}

// the lab and course of a row of the Assignments list: its own, or (a submission's row,
// whose course cell is empty) those of the assignment row its folded list follows
function rowLab(element) {
  const names = row => ({
    labId: row?.querySelector('.item_name')?.textContent.trim().split(/\s/)[0],
    courseId: row?.querySelector('.item_course')?.textContent.trim()
  });
  const own = names(element.closest('.col-md-12'));
  if (own.courseId) {
    return own;
  }
  return names(element.closest('.list_container')?.previousElementSibling);
}

function decorateAssignmentList(app, widget, due) {
  const region = banner('Due dates');
  widget.contentHeader.addWidget(region);
  const refresh = () => due.get()
    .then(data => renderList(region.node, data))
    .catch(err => region.node.replaceChildren(
      element('span', `Due dates could not be loaded: ${err.message}`, 'reciprocity-due-problem')));
  refresh();
  const settings = app.serviceManager.serverSettings;

  // capture phase: runs before the Submit button's and the link's own handlers
  widget.node.addEventListener('click', async event => {
    const button = event.target.closest('button');
    if (button && button.textContent.trim() === 'Submit' && !button.dataset.reciprocitySaved) {
      event.stopPropagation();
      event.preventDefault();
      const { labId, courseId } = rowLab(button);
      const found = labId && courseId ? labOf(await due.get().catch(() => ({})), `${courseId}/${labId}`) : null;
      if (found && Date.now() > Date.parse(found.lab.due) && !window.confirm(
        `${labId} was due ${when(found.lab.due)}. Submitted now, it counts as late` +
        (found.course.late_rule ? ` (${found.course.late_rule})` : '') + '. Submit anyway?')) {
        return;
      }
      await saveOpenDocuments(app, labId && courseId ? `${courseId}/${labId}/` : '');
      button.dataset.reciprocitySaved = 'yes';
      try {
        button.click();
      } finally {
        delete button.dataset.reciprocitySaved;
      }
      return;
    }
    const link = event.target.closest('a');
    if (link && link.textContent.trim() === '(view feedback)') {
      event.stopPropagation();
      event.preventDefault();
      const stamp = link.parentElement.firstChild.textContent.trim();
      const { labId, courseId } = rowLab(link);
      const tab = window.open('', '_blank');  // now, while the click still allows a new tab
      try {
        const pages = await feedbackPages(settings, courseId, labId, stamp);
        if (!pages.length) {
          throw new Error('no feedback page was found for this submission');
        }
        tab.location.href = pages[0];
      } catch (err) {
        tab.document.title = 'Feedback';
        tab.document.body.textContent = `The feedback could not be opened: ${err.message}`;
      }
    }
  }, true);
  return refresh;
}

function decorateLab(widget, due) {
  const path = widget.context.path;
  due.get().then(data => {
    const found = labOf(data, path);
    if (!found || widget.isDisposed) {
      return;
    }
    const region = banner(`Due date of ${found.lab.lab}`);
    renderLab(region.node, found.course, found.lab);
    widget.contentHeader.addWidget(region);
  }).catch(() => undefined);  // the Assignments tab says why dates are missing
}

const plugin = {
  id: 'reciprocity-hub:due-dates',
  description: 'Due dates, save before submit and feedback pages for the course hub',
  autoStart: true,
  activate: app => {
    const due = new DueData(app.serviceManager.serverSettings);
    const seen = new WeakSet();
    let refreshList = null;
    const scan = () => {
      if (refreshList && app.shell.currentWidget?.id === ASSIGNMENT_LIST_ID) {
        refreshList();
      }
      for (const widget of app.shell.widgets('main')) {
        if (seen.has(widget) || !widget.contentHeader) {
          continue;
        }
        if (widget.id === ASSIGNMENT_LIST_ID) {
          seen.add(widget);
          refreshList = decorateAssignmentList(app, widget, due);
        } else if (widget.context && widget.context.path && widget.context.path.endsWith('.ipynb')) {
          seen.add(widget);
          decorateLab(widget, due);
        }
      }
    };
    app.restored.then(scan);
    app.shell.layoutModified.connect(scan);
    app.shell.currentChanged?.connect(scan);
  }
};

export default plugin;
